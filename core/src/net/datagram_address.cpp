#include "wirekit/net/datagram_address.hpp"

#include <sys/un.h>

#include <cstring>

namespace wirekit::net {

datagram_address resolve_datagram(asio::io_context& io, const endpoint& where) {
  if (where.kind == endpoint_kind::unix_datagram) {
    return datagram_address(asio::local::datagram_protocol::endpoint(where.path));
  }
  if (where.kind != endpoint_kind::udp) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            to_string(where) + " is not a datagram endpoint");
  }
  asio::ip::udp::resolver resolver(io);
  std::error_code ec;
  const auto results = resolver.resolve(where.host, std::to_string(where.port), ec);
  if (ec) throw std::system_error(ec, "cannot resolve " + to_string(where));
  if (results.empty()) {
    throw std::system_error(std::make_error_code(std::errc::host_unreachable),
                            "cannot resolve " + to_string(where));
  }
  return datagram_address(results.begin()->endpoint());
}

std::string to_string(const datagram_address& address) {
  const auto* sa = address.data();
  if (sa->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    const std::size_t max = address.size() > offsetof(sockaddr_un, sun_path)
                                ? address.size() - offsetof(sockaddr_un, sun_path)
                                : 0;
    return "uxd:" + std::string(un->sun_path, strnlen(un->sun_path, max));
  }
  asio::ip::udp::endpoint ip;
  std::memcpy(ip.data(), sa, std::min<std::size_t>(address.size(), ip.capacity()));
  ip.resize(address.size());
  const auto host = ip.address().to_string();
  const bool v6 = ip.address().is_v6();
  return "udp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(ip.port());
}

}  // namespace wirekit::net
