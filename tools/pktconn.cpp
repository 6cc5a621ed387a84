// pktconn: cs.packetstream packet connections over stdio, pipes and sockets.
// Flags → config → one core call (wirekit::pktconn); see man pktconn(1).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "wirekit/cli/errors.hpp"
#include "wirekit/cli/exit_code.hpp"
#include "wirekit/cli/run.hpp"
#include "wirekit/cli/tls_twin.hpp"
#include "wirekit/net/endpoint.hpp"
#include "wirekit/packet/connection.hpp"
#include "wirekit/pktconn/call.hpp"
#include "wirekit/pktconn/codec_io.hpp"
#include "wirekit/pktconn/pipe_size.hpp"
#include "wirekit/pktconn/serve.hpp"

using namespace wirekit;

namespace {

inline constexpr std::size_t max_packet_ceiling_bytes = std::size_t{1} << 30;

net::endpoint stream_endpoint(const std::string& text, const char* what) {
  std::string why;
  auto e = net::parse_endpoint(text, &why);
  if (!e)
    throw cli::usage_error(std::string(what) + " " + text + ": " + why +
                           "; accepted: " + std::string(net::endpoint_forms));
  if (!e->is_stream())
    throw cli::usage_error(std::string(what) + " " + text +
                           " is not a stream endpoint (-, tcp://, tls://, unix:, exec:)");
  cli::need_tls_for(*e);
  return *e;
}

std::chrono::milliseconds seconds_flag(double seconds, const char* name) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e7) {
    throw cli::usage_error(std::string(name) + " must be a number of seconds >= 0");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

struct common_flags {
  std::size_t max_packet = packet::default_max_packet_bytes;
  bool trace = false;
  bool verbose = false;
  std::uint64_t channels = 1;
  std::string ca, cert, key, server_name;
  bool insecure = false;
  std::size_t pipe_bytes = pktconn::default_pipe_bytes;
};

void add_limits(CLI::App* app, common_flags& f) {
  app->add_option("--max-packet", f.max_packet,
                  "Largest packet body in bytes, either way (default 16 MiB)")
      ->check(CLI::Range(std::size_t{16}, max_packet_ceiling_bytes));
}

void add_stream_flags(CLI::App* app, common_flags& f) {
  app->add_flag("--trace", f.trace,
                "Print every packet sent and received on stderr (hex and fields)");
  app->add_flag("-v,--verbose", f.verbose, "Report dropped and rejected packets on stderr");
  app->add_option("--channels", f.channels,
                  "Serve and use channels 0..N-1 (default 1: channel 0 only, as the reference)")
      ->check(CLI::Range(std::uint64_t{1}, packet::max_channels));
  app->add_option("--ca", f.ca, "tls://: CA file to verify the peer (default: system store)");
  app->add_option("--cert", f.cert, "tls://: our certificate");
  app->add_option("--key", f.key, "tls://: our private key");
  app->add_option("--server-name", f.server_name, "tls://: name to verify (default: the host)");
  app->add_flag("--insecure", f.insecure, "tls://: do not verify the peer");
  app->add_option("--pipe-size", f.pipe_bytes,
                  "Enlarge stdin/stdout pipes to this many bytes (F_SETPIPE_SZ; default 0: leave "
                  "them as they are)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 30));
}

net::stream_options stream_options(const common_flags& f) {
  net::stream_options o;
  o.ca_file = f.ca;
  o.cert_file = f.cert;
  o.key_file = f.key;
  o.server_name = f.server_name;
  o.verify_peer = !f.insecure;
  return o;
}

packet::connection_limits limits(const common_flags& f) {
  packet::connection_limits l;
  l.max_packet_bytes = f.max_packet;
  l.channels = f.channels;
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pktconn: cs.packetstream (20240630) packet connections over stdio, pipes, exec: and "
      "sockets.\n"
      "Subcommands: serve (answer requests), call (make requests), encode/decode (JSON lines <-> "
      "packets)."};
  cli::add_version_flag(app, "pktconn");
  app.require_subcommand(1);

  common_flags f;

  // encode / decode
  auto* encode =
      app.add_subcommand("encode", "JSON lines on stdin -> binary packet stream on stdout");
  std::string dir;
  encode->add_option("--dir", dir,
                     "Only lines whose \"dir\" is this (c2s or s2c) of a conversation capture");
  add_limits(encode, f);
  auto* decode =
      app.add_subcommand("decode", "Binary packet stream on stdin -> JSON lines on stdout");
  bool with_hex = false;
  decode->add_flag("--hex", with_hex, "Add \"hex\": each packet's wire bytes");
  add_limits(decode, f);

  // serve
  auto* serve = app.add_subcommand(
      "serve", "Answer the peer's requests on ENDPOINT (default -: stdin/stdout)");
  std::string serve_endpoint = "-";
  bool echo = false, demo = false;
  std::string exec_cmd, coproc_cmd;
  std::size_t max_inflight = 16;
  double handler_timeout = 60, serve_timeout = 30;
  serve->add_option(
      "ENDPOINT", serve_endpoint,
      "-, tcp://HOST:PORT, tls://HOST:PORT, unix:PATH or exec:COMMAND (connects to it)");
  auto* o_echo =
      serve->add_flag("--echo", echo, "Answer each request with its own payload (the default)");
  auto* o_demo =
      serve->add_flag("--demo", demo, "The reference handler set of wirekit-packetstream(7)");
  auto* o_exec = serve->add_option(
      "--exec", exec_cmd,
      "Run CMD (/bin/sh -c) per request: payload on stdin; PKT_RQ_TYPE, PKT_FLAGS, "
      "PKT_TAG, PKT_CHANNEL; exit 0: ok with stdout; else failure with stderr's first line");
  auto* o_coproc = serve->add_option(
      "--coproc", coproc_cmd,
      "One long-lived CMD speaking JSON lines: request objects in, response objects out");
  o_echo->excludes(o_demo, o_exec, o_coproc);
  o_demo->excludes(o_exec, o_coproc);
  o_exec->excludes(o_coproc);
  serve->add_option("--max-inflight", max_inflight, "Handlers running at once (default 16)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  serve->add_option("--handler-timeout", handler_timeout,
                    "Seconds a handler may run before it fails (default 60; 0: none)");
  serve->add_option("--timeout", serve_timeout,
                    "Seconds to wait for the peer's EOF after a signal (default 30)");
  add_limits(serve, f);
  add_stream_flags(serve, f);

  // call
  auto* call = app.add_subcommand(
      "call", "Send requests to ENDPOINT and print the answers in request order");
  std::string connect = "-";
  std::uint64_t rq_type = 0, flags = 0, channel = 0;
  std::string format = "line";
  std::size_t window = 64;
  bool json = false;
  double call_timeout = 30;
  std::vector<std::string> payloads;
  call->add_option("--connect", connect,
                   "Peer endpoint (default -: stdin/stdout; then requests come from PAYLOAD args)");
  call->add_option("--type", rq_type,
                   "Request type (user rq_type; the wire carries it + 1; default 0)");
  call->add_option("--flags", flags, "Request flags (default 0)");
  call->add_option("--channel", channel,
                   "Channel (default 0; others only work with wirekit peers)");
  call->add_option("--format", format,
                   "Requests from stdin: line (one payload per line) or json (objects with type, "
                   "flags, channel, payload or payload_hex)")
      ->check(CLI::IsMember({"line", "json"}));
  call->add_option("--window", window, "Requests in flight at once (default 64)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  call->add_flag(
      "--json", json,
      "Print each answer as a JSON object (request, tag, ok, flags, payload, payload_hex)");
  call->add_option("--timeout", call_timeout,
                   "Seconds to wait for any packet from the peer (default 30)");
  call->add_option("PAYLOAD", payloads, "One request per argument (otherwise one per stdin line)");
  add_limits(call, f);
  add_stream_flags(call, f);

  return cli::run("pktconn", app, argc, argv, [&]() -> cli::exit_code {
    pktconn::codec_io_options io;
    io.max_packet_bytes = f.max_packet;
    if (encode->parsed()) {
      std::ios::sync_with_stdio(false);
      if (!dir.empty()) io.dir = dir;
      const auto r = pktconn::encode_stream(std::cin, std::cout, io);
      if (!r.error.empty()) throw cli::failure("encode: " + r.error);
      if (!std::cout) throw cli::failure("encode: cannot write stdout");
      return cli::exit_code::ok;
    }
    if (decode->parsed()) {
      std::ios::sync_with_stdio(false);
      io.with_hex = with_hex;
      const auto r = pktconn::decode_stream(std::cin, std::cout, io);
      if (!r.error.empty()) throw cli::failure("decode: " + r.error);
      return cli::exit_code::ok;
    }
    if (serve->parsed()) {
      pktconn::serve_config c;
      c.where = stream_endpoint(serve_endpoint, "endpoint");
      c.stream = stream_options(f);
      c.handler = demo                  ? pktconn::handler_kind::demo
                  : !exec_cmd.empty()   ? pktconn::handler_kind::exec
                  : !coproc_cmd.empty() ? pktconn::handler_kind::coproc
                                        : pktconn::handler_kind::echo;
      c.command = !exec_cmd.empty() ? exec_cmd : coproc_cmd;
      c.limits = limits(f);
      c.limits.max_inflight = max_inflight;
      c.handler_timeout = seconds_flag(handler_timeout, "--handler-timeout");
      c.timeout = seconds_flag(serve_timeout, "--timeout");
      c.trace = f.trace;
      c.verbose = f.verbose;
      c.pipe_bytes = f.pipe_bytes;
      return pktconn::serve(c);
    }
    pktconn::call_config c;
    c.where = stream_endpoint(connect, "--connect");
    c.stream = stream_options(f);
    c.rq_type = rq_type;
    c.flags = flags;
    c.channel = channel;
    if (channel >= f.channels) f.channels = channel + 1;
    if (f.channels > packet::max_channels) throw cli::usage_error("--channel is too large");
    c.payloads = payloads;
    c.format = format == "json" ? pktconn::input_format::json : pktconn::input_format::line;
    c.window = window;
    c.json_output = json;
    c.timeout = seconds_flag(call_timeout, "--timeout");
    c.limits = limits(f);
    c.trace = f.trace;
    c.verbose = f.verbose;
    c.pipe_bytes = f.pipe_bytes;
    return pktconn::call(c);
  });
}
