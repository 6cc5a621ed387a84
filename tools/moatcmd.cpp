// moatcmd: the MoaT-Cmd multiplexed command channel (moat-lib-cmd 0.3.3 wire) over any
// stream endpoint, plus CBOR ⇄ JSON conversion. Flags here; the work is in core/moatcmd.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "wirekit/cli/errors.hpp"
#include "wirekit/cli/run.hpp"
#include "wirekit/cli/tls_twin.hpp"
#include "wirekit/moatcmd/codec.hpp"
#include "wirekit/moatcmd/commands.hpp"

using namespace wirekit;

namespace {

struct common_flags {
  std::string endpoint = "-";
  std::string dialect = "0.3";
  std::size_t max_item_bytes = 1 << 20;
  std::size_t max_conversations = 1024;
  std::size_t max_queued_bytes = 4 << 20;
  std::string ca, cert, key;
  bool insecure = false;
  bool trace = false;
};

void add_link_flags(CLI::App* sub, common_flags& f) {
  sub->add_option("--dialect", f.dialect, "wire dialect: 0.3 (moat-lib-cmd 0.3.3) or 0.4")
      ->capture_default_str();
  sub->add_option("--max-item-bytes", f.max_item_bytes, "largest CBOR message accepted")
      ->capture_default_str();
  sub->add_option("--max-conversations", f.max_conversations, "open conversations at once")
      ->capture_default_str();
  sub->add_option("--max-queued-bytes", f.max_queued_bytes,
                  "unsent output before stream items wait")
      ->capture_default_str();
  sub->add_option("--ca", f.ca, "tls://: CA file (default: system trust store)");
  sub->add_option("--cert", f.cert, "tls://: client certificate");
  sub->add_option("--key", f.key, "tls://: client key");
  sub->add_flag("--insecure", f.insecure, "tls://: do not verify the server");
  sub->add_flag("--trace", f.trace, "print every message sent (->) and received (<-) to stderr");
}

moatcmd::link_options link_of(const common_flags& f) {
  moatcmd::link_options o;
  std::string why;
  const auto where = net::parse_endpoint(f.endpoint, &why);
  if (!where || !where->is_stream())
    throw cli::usage_error(fmt::format("bad endpoint '{}': {}; use a stream endpoint: {}",
                                       f.endpoint, where ? "not a stream" : why,
                                       net::endpoint_forms));
  cli::need_tls_for(*where);
  o.where = *where;
  const auto d = moat::parse_dialect(f.dialect);
  if (!d) throw cli::usage_error("--dialect is 0.3 or 0.4, not " + f.dialect);
  o.dialect = *d;
  o.limits.cbor.max_item_bytes = f.max_item_bytes;
  o.limits.max_conversations = f.max_conversations;
  o.limits.max_queued_bytes = f.max_queued_bytes;
  o.stream.ca_file = f.ca;
  o.stream.cert_file = f.cert;
  o.stream.key_file = f.key;
  o.stream.verify_peer = !f.insecure;
  o.trace = f.trace;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "moatcmd: MoaT-Cmd command channel (CBOR messages, moat-lib-cmd 0.3.3 wire) over pipes and "
      "sockets, and CBOR <-> JSON conversion"};
  cli::add_version_flag(app, "moatcmd");
  app.require_subcommand(1);

  moatcmd::codec_options codec;
  bool lenient = false;
  auto* decode = app.add_subcommand("decode", "CBOR items on stdin -> JSON lines on stdout");
  decode->add_flag("--hex", codec.hex, "stdin is hex text");
  decode->add_flag("--table", codec.table, "print each message as an S/E/D/Data table row");
  decode->add_flag(
      "--lenient", lenient,
      "also read what moat-lib-cmd 0.3.3 rejects (indefinite maps, tag 1, simple values)");
  decode->add_option("--max-item-bytes", codec.limits.max_item_bytes, "largest item accepted")
      ->capture_default_str();
  auto* encode = app.add_subcommand("encode", "JSON lines on stdin -> CBOR items on stdout");
  encode->add_flag("--hex", codec.hex, "write one hex line per item");

  common_flags serve_flags;
  moatcmd::serve_options serve;
  std::string listen_at;
  auto* serve_cmd = app.add_subcommand(
      "serve",
      "answer MoaT-Cmd commands on ENDPOINT (default: stdin/stdout), or on every connection "
      "accepted with --listen");
  serve_cmd
      ->add_option("endpoint", serve_flags.endpoint,
                   "the link to serve: -, exec:CMD, or tcp://, tls://, unix: to connect to "
                   "(as pktconn serve does)")
      ->capture_default_str();
  auto* listen_opt = serve_cmd->add_option(
      "--listen,-l", listen_at,
      "listen on tcp://HOST:PORT or unix:PATH and serve each connection (prints 'listening "
      "ENDPOINT' once ready; runs until SIGINT/SIGTERM)");
  serve_cmd
      ->add_option("--max-connections", serve.max_connections,
                   "--listen: connections served at once; more are refused")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve_cmd->add_flag("--demo", serve.demo,
                      "the reference command set (echo, ret, count, sum, bidi, ...)");
  serve_cmd->add_option("--coproc", serve.coproc, "handle commands in CMD, JSON lines both ways");
  add_link_flags(serve_cmd, serve_flags);

  common_flags call_flags;
  moatcmd::call_options call;
  double timeout_s = 0;
  auto* call_cmd = app.add_subcommand("call", "send one command and print the reply as JSON");
  call_cmd->add_option("--connect,-c", call_flags.endpoint, "the peer (default: stdin/stdout)")
      ->capture_default_str();
  call_cmd->add_flag("--stream-r", call.stream_read,
                     "stream call: print the peer's items as JSON lines");
  call_cmd->add_flag("--stream-w", call.stream_write,
                     "stream call: send stdin JSON lines as items");
  call_cmd->add_option("--timeout", timeout_s, "give up after this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber);
  add_link_flags(call_cmd, call_flags);
  // Everything from the command name on is taken verbatim: JSON such as [1,2] or -5 must
  // not be read as CLI11 list syntax or as a flag.
  call_cmd->prefix_command();
  call_cmd->footer(
      "\nCOMMAND [ARG...] follow the options: each ARG is a JSON value (a bare word is text);\n"
      "KEY=VALUE passes a keyword argument.");

  return cli::run("moatcmd", app, argc, argv, [&]() -> cli::exit_code {
    if (decode->parsed()) {
      codec.limits.reference_rejects = !lenient;
      return moatcmd::decode_stream(std::cin, std::cout, std::cerr, codec);
    }
    if (encode->parsed()) return moatcmd::encode_stream(std::cin, std::cout, std::cerr, codec);
    if (serve_cmd->parsed()) {
      serve.link = link_of(serve_flags);
      if (*listen_opt) {
        if (serve_flags.endpoint != "-")
          throw cli::usage_error("give serve either an ENDPOINT or --listen, not both");
        std::string why;
        const auto at = net::parse_endpoint(listen_at, &why);
        if (!at ||
            (at->kind != net::endpoint_kind::tcp && at->kind != net::endpoint_kind::unix_stream))
          throw cli::usage_error(
              fmt::format("--listen takes tcp://HOST:PORT or unix:PATH, not '{}'{}", listen_at,
                          at ? "" : ": " + why));
        serve.listening = true;
        serve.listen = *at;
      }
      return moatcmd::run_serve(serve);
    }
    const auto rest = call_cmd->remaining();
    if (rest.empty()) throw cli::usage_error("call needs a COMMAND");
    call.cmd = rest.front();
    call.args.assign(rest.begin() + 1, rest.end());
    call.link = link_of(call_flags);
    call.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
    return moatcmd::run_call(call);
  });
}
