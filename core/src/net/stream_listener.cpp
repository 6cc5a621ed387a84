#include "wirekit/net/stream_listener.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <system_error>

namespace wirekit::net {

namespace {

// A v4-mapped address (a dual-stack socket's IPv4 peer) as the IPv4 address it stands for.
asio::ip::address plain(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

[[noreturn]] void fail(const endpoint& where, std::error_code ec, const char* what) {
  throw std::system_error(ec, fmt::format("cannot {} {}", what, to_string(where)));
}

// A socket file nobody listens on (left by a crash) is removed; a live one is not ours.
void clear_stale_socket(asio::io_context& io, const endpoint& where) {
  struct stat st {};
  if (::lstat(where.path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) {
    fail(where, std::make_error_code(std::errc::file_exists), "listen on (not a socket)");
  }
  asio::local::stream_protocol::socket probe(io);
  std::error_code ec;
  probe.connect(asio::local::stream_protocol::endpoint(where.path), ec);
  if (!ec) fail(where, std::make_error_code(std::errc::address_in_use), "listen on");
  ::unlink(where.path.c_str());
}

}  // namespace

std::string connection_peer::describe() const {
  if (proto == "UNIX") return "unix";
  const bool v6 = remote_ip.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", remote_ip, v6 ? "]" : "", remote_port);
}

stream_listener::stream_listener(std::variant<tcp_acceptor, unix_acceptor> acceptor, endpoint bound)
    : acceptor_(std::move(acceptor)), bound_(std::move(bound)) {}

stream_listener::~stream_listener() {
  close();
}

std::vector<std::unique_ptr<stream_listener>> stream_listener::open(asio::io_context& io,
                                                                    const endpoint& where,
                                                                    int backlog) {
  std::vector<std::unique_ptr<stream_listener>> out;
  std::error_code ec;
  if (where.kind == endpoint_kind::unix_stream) {
    clear_stale_socket(io, where);
    unix_acceptor acceptor(io);
    const asio::local::stream_protocol::endpoint local(where.path);
    acceptor.open(local.protocol(), ec);
    if (!ec) acceptor.bind(local, ec);
    if (!ec) acceptor.listen(backlog, ec);
    if (ec) fail(where, ec, "listen on");
    out.emplace_back(new stream_listener(std::move(acceptor), where));
    return out;
  }
  if (where.kind != endpoint_kind::tcp && where.kind != endpoint_kind::tls) {
    fail(where, std::make_error_code(std::errc::invalid_argument), "listen on");
  }

  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(
      where.host, std::to_string(where.port),
      asio::ip::tcp::resolver::passive | asio::ip::tcp::resolver::numeric_service, ec);
  if (ec) fail(where, ec, "resolve");
  if (where.host == "::") {
    // A host without IPv6 still gets "every address": IPv4's.
    asio::ip::tcp::socket probe(io);
    std::error_code v6;
    probe.open(asio::ip::tcp::v6(), v6);
    if (v6) {
      endpoint v4 = where;
      v4.host = "0.0.0.0";
      return open(io, v4, backlog);
    }
  }
  for (const auto& entry : results) {
    const auto address = entry.endpoint().address();
    tcp_acceptor acceptor(io);
    acceptor.open(entry.endpoint().protocol(), ec);
    if (ec) fail(where, ec, "listen on");
    acceptor.set_option(asio::socket_base::reuse_address(true));
    if (address.is_v6()) {
      // "[::]" alone means every address of both families; a name resolving to several
      // addresses binds each one separately, so those must not overlap.
      const bool dual = address.is_unspecified() && results.size() == 1;
      acceptor.set_option(asio::ip::v6_only(!dual), ec);
    }
    acceptor.bind(entry.endpoint(), ec);
    if (!ec) acceptor.listen(backlog, ec);
    if (ec) fail(where, ec, "listen on");
    endpoint bound = where;
    bound.host = address.to_string();
    bound.port = acceptor.local_endpoint().port();
    out.emplace_back(new stream_listener(std::move(acceptor), bound));
  }
  if (out.empty()) fail(where, std::make_error_code(std::errc::address_not_available), "resolve");
  return out;
}

void stream_listener::async_accept(accept_handler handler) {
  if (auto* tcp = std::get_if<tcp_acceptor>(&acceptor_)) {
    tcp->async_accept([h = std::move(handler)](std::error_code ec, asio::ip::tcp::socket s) {
      accepted_socket accepted{std::move(s), {}};
      if (!ec) {
        auto& socket = std::get<asio::ip::tcp::socket>(accepted.socket);
        std::error_code e1;
        std::error_code e2;
        const auto remote = socket.remote_endpoint(e1);
        const auto local = socket.local_endpoint(e2);
        if (e1 || e2) return h(e1 ? e1 : e2, std::move(accepted));
        socket.set_option(asio::ip::tcp::no_delay(true), e1);
        accepted.peer = {"TCP", plain(remote.address()).to_string(), remote.port(),
                         plain(local.address()).to_string(), local.port()};
      }
      h(ec, std::move(accepted));
    });
    return;
  }
  auto& ux = std::get<unix_acceptor>(acceptor_);
  ux.async_accept(
      [h = std::move(handler)](std::error_code ec, asio::local::stream_protocol::socket s) {
        accepted_socket accepted{std::move(s), {}};
        accepted.peer.proto = "UNIX";
        h(ec, std::move(accepted));
      });
}

void stream_listener::close() {
  std::error_code ignored;
  if (auto* tcp = std::get_if<tcp_acceptor>(&acceptor_)) {
    tcp->close(ignored);
    return;
  }
  auto& ux = std::get<unix_acceptor>(acceptor_);
  if (ux.is_open()) {
    ux.close(ignored);
    ::unlink(bound_.path.c_str());
  }
}

}  // namespace wirekit::net
