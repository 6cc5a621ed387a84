// Datagram addresses (udp:// and uxd:) as one asio endpoint type, so a single sender or
// receiver serves both families.
#pragma once

#include <string>
#include <system_error>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/endpoint.hpp"

namespace wirekit::net {

using datagram_protocol = asio::generic::datagram_protocol;
using datagram_address = datagram_protocol::endpoint;

// Resolves a udp:// or uxd: endpoint (the first address the resolver gives for a name).
// Throws std::system_error naming the endpoint when it cannot be resolved.
datagram_address resolve_datagram(asio::io_context& io, const endpoint& where);

// "udp://127.0.0.1:5000", "udp://[::1]:5000", "uxd:/path"; an unbound unix sender is "uxd:".
std::string to_string(const datagram_address& address);

}  // namespace wirekit::net
