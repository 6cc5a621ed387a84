// tcpserve: accept TCP, TLS and unix stream connections and hand each to a handler (echo, a
// command on its stdin/stdout, or a forwarded endpoint). Flags to config; core/net does the rest.
#include <CLI/CLI.hpp>
#include <sstream>
#include "wirekit/net/asio.hpp"

#include "wirekit/cli/errors.hpp"
#include "wirekit/cli/run.hpp"
#include "wirekit/net/tcp_server.hpp"

using namespace wirekit;

namespace {

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Accept TCP, TLS and unix stream connections and hand each one to a handler:\n"
      "  --echo, --forward ENDPOINT, or -- COMMAND ARGS (the plaintext on its stdin/stdout,\n"
      "  the peer in PROTO, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT, SSL_*).\n"
      "Prints 'listening ENDPOINT' for every bound address once ready.",
      "tcpserve"};
  cli::add_version_flag(app, "tcpserve");

  std::vector<std::string> listen_text;
  std::vector<std::string> certs;
  std::vector<std::string> keys;
  std::string ca_file;
  std::string verify_text;
  std::string tls_min = "1.2";
  std::string ciphers;
  std::string alpn;
  std::size_t tickets = net::default_tls_tickets;
  bool echo = false;
  std::string forward_text;
  std::string forward_ca;
  std::vector<std::string> command;
  std::size_t max_conns = 1024;
  std::size_t max_per_ip = 0;
  double handshake_timeout = 10;
  double idle_timeout = 300;
  double grace = 10;
  std::size_t buffer_bytes = 16 * 1024;
  int backlog = 128;
  bool verbose = false;
  bool json = false;
  std::string wire_log_file;

  app.add_option("-l,--listen", listen_text,
                 "Endpoint to listen on, repeatable: tcp://HOST:PORT, tls://HOST:PORT, unix:PATH "
                 "(port 0: any free port; [::] is dual-stack)")
      ->default_str("tcp://[::]:56000")
      ->allow_extra_args(false);
  // One value per occurrence (repeat the option for more): a repeatable option would
  // otherwise take `--` as the end of its own values, and the handler's flags would then be
  // read as tcpserve's.
  app.add_option("--cert", certs,
                 "TLS certificate chain (PEM), repeatable; the first is the default, the others "
                 "are picked by SNI")
      ->allow_extra_args(false);
  app.add_option("--key", keys, "TLS private key (PEM), one per --cert, same order")
      ->allow_extra_args(false);
  app.add_option("--ca", ca_file, "CA file (PEM) that client certificates are verified against");
  app.add_option("--verify", verify_text,
                 "Client certificates: none, optional or required (default: required with --ca, "
                 "none without)")
      ->check(CLI::IsMember({"none", "optional", "required"}));
  app.add_option("--tls-min", tls_min, "Lowest TLS version: 1.2 or 1.3")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->capture_default_str();
  app.add_option("--ciphers", ciphers, "OpenSSL cipher list for TLS 1.2");
  app.add_option("--tls-tickets", tickets,
                 "TLS 1.3 session tickets sent per full handshake (0: no resumption)")
      ->check(CLI::Range(std::size_t{0}, net::max_tls_tickets))
      ->capture_default_str();
  app.add_option("--alpn", alpn, "ALPN protocols accepted, comma-separated, preferred first");
  auto* echo_flag = app.add_flag("--echo", echo, "Handler: send every byte back");
  auto* forward_opt =
      app.add_option("--forward", forward_text,
                     "Handler: relay each connection to ENDPOINT (tcp://, tls://, unix:, exec:)");
  app.add_option("--forward-ca", forward_ca, "CA file for verifying a tls:// --forward server");
  auto* command_opt =
      app.add_option("command", command, "Handler: COMMAND ARGS after --, run per connection");
  echo_flag->excludes(forward_opt)->excludes(command_opt);
  forward_opt->excludes(command_opt);
  app.add_option("--max-conns", max_conns, "Connections at once; more are closed at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--max-per-ip", max_per_ip, "Connections at once from one address (0: no limit)")
      ->capture_default_str();
  app.add_option("--handshake-timeout", handshake_timeout, "Seconds for a TLS handshake")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  app.add_option("--idle-timeout", idle_timeout,
                 "Seconds without data either way before a connection is closed (0: never)")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  app.add_option("--grace", grace, "Seconds live connections get to finish after SIGTERM/SIGINT")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--buffer-size", buffer_bytes, "Bytes buffered per connection and direction")
      ->check(CLI::Range(std::size_t{512}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--backlog", backlog, "listen(2) backlog")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--wire-log", wire_log_file,
                 "Append every chunk of plaintext to FILE (hio WireLog record format)");
  app.add_flag("-v,--verbose", verbose, "One line per connection on stderr");
  app.add_flag("--json", json, "Events as JSON lines on stdout");

  return cli::run("tcpserve", app, argc, argv, [&] {
    net::tcp_server_config config;
    if (listen_text.empty()) listen_text.push_back("tcp://[::]:56000");
    for (const auto& text : listen_text) {
      std::string why;
      const auto where = net::parse_endpoint(text, &why);
      if (!where) {
        throw cli::usage_error("--listen " + text + ": " + why +
                               "; expected one of tcp://HOST:PORT, tls://HOST:PORT, unix:PATH");
      }
      if (where->kind != net::endpoint_kind::tcp && where->kind != net::endpoint_kind::tls &&
          where->kind != net::endpoint_kind::unix_stream) {
        throw cli::usage_error("--listen " + text +
                               ": expected one of tcp://HOST:PORT, tls://HOST:PORT, unix:PATH");
      }
      config.listen.push_back(*where);
    }

    if (!certs.empty() || !keys.empty()) {
      if (certs.size() != keys.size()) {
        throw cli::usage_error("give one --key per --cert (in the same order)");
      }
      net::tls_server_config tls;
      for (std::size_t i = 0; i < certs.size(); ++i)
        tls.cert_key_files.emplace_back(certs[i], keys[i]);
      tls.ca_file = ca_file;
      tls.verify = ca_file.empty() ? net::client_verify::none : net::client_verify::required;
      if (!verify_text.empty()) net::parse_client_verify(verify_text, tls.verify);
      tls.tls_min = tls_min;
      tls.ciphers = ciphers;
      tls.alpn = split_commas(alpn);
      tls.tickets = tickets;
      config.tls = tls;
    }

    if (!forward_text.empty()) {
      std::string why;
      const auto to = net::parse_endpoint(forward_text, &why);
      if (!to || !to->is_stream() || to->kind == net::endpoint_kind::stdio) {
        throw cli::usage_error("--forward " + forward_text + ": " +
                               (to ? "not a stream endpoint" : why) +
                               "; expected tcp://, tls://, unix: or exec:");
      }
      config.handler.kind = net::handler_kind::forward;
      config.handler.forward_to = *to;
      config.handler.forward_options.ca_file = forward_ca;
    } else if (!command.empty()) {
      config.handler.kind = net::handler_kind::exec;
      config.handler.argv = command;
    } else if (echo) {
      config.handler.kind = net::handler_kind::echo;
    } else {
      throw cli::usage_error("no handler: give --echo, --forward ENDPOINT or -- COMMAND ARGS");
    }

    config.max_conns = max_conns;
    config.max_per_ip = max_per_ip;
    config.limits.handshake_timeout = to_ms(handshake_timeout);
    config.limits.idle_timeout = to_ms(idle_timeout);
    config.limits.buffer_bytes = buffer_bytes;
    config.grace = to_ms(grace);
    config.backlog = backlog;
    config.wire_log_file = wire_log_file;

    asio::io_context io(1);
    net::server_log log("tcpserve", verbose, json);
    std::unique_ptr<net::tcp_server> server;
    try {
      server = std::make_unique<net::tcp_server>(io, config, log);
    } catch (const std::system_error& e) {
      throw cli::failure(e.what());
    } catch (const std::runtime_error& e) {
      throw cli::usage_error(e.what());
    }
    return server->run() ? cli::exit_code::interrupted : cli::exit_code::ok;
  });
}
