// A bound datagram socket (udp:// or uxd:) that hands every datagram it receives to a
// callback, with the sender's address. uxd: binds PATH, replaces a stale socket file only
// when nothing answers on it, and removes its file when destroyed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <sys/socket.h>
#include "wirekit/net/asio.hpp"

#include "wirekit/common/bytes.hpp"
#include "wirekit/net/datagram_address.hpp"
#include "wirekit/net/endpoint.hpp"

namespace wirekit::net {

struct datagram_receiver_options {
  // Asked of the kernel (SO_RCVBUF); a burst larger than this is lost in the kernel. hio's
  // UDP peer asks for 1024 grams of 1240 bytes.
  std::size_t receive_buffer_bytes = 4 * 1024 * 1024;
};

class datagram_receiver {
 public:
  using handler = std::function<void(byte_view datagram, const datagram_address& source)>;

  // Throws std::system_error naming the endpoint when it cannot bind.
  datagram_receiver(asio::io_context& io, const endpoint& where,
                    const datagram_receiver_options& options = {});
  // Receives on a socket bound elsewhere (e.g. replies on a datagram_sender's socket),
  // through a duplicate of its descriptor: the original stays open and its owner's.
  // Throws std::system_error when the socket cannot be duplicated.
  datagram_receiver(asio::io_context& io, datagram_protocol::socket& bound);
  ~datagram_receiver();
  datagram_receiver(const datagram_receiver&) = delete;
  datagram_receiver& operator=(const datagram_receiver&) = delete;

  // Receives until stop(); each datagram goes to on_datagram. Receive errors other than
  // cancellation are passed to on_error and receiving goes on.
  void start(handler on_datagram, std::function<void(std::error_code)> on_error = {});
  void stop();

  datagram_address local_address() const;
  datagram_protocol::socket& socket() { return socket_; }

 private:
  void receive_next();
  void drain_ready();

  datagram_protocol::socket socket_;
  std::string unix_path_;  // removed on destruction when non-empty
  std::vector<std::byte> buffer_;
  datagram_address source_;
  // recvmmsg's buffers, made on the first burst.
  struct slot {
    std::vector<std::byte> buffer;
    ::iovec piece{};
    datagram_address source;
  };
  std::vector<slot> slots_;
  std::vector<::mmsghdr> messages_;
  handler on_datagram_;
  std::function<void(std::error_code)> on_error_;
  bool running_ = false;
};

}  // namespace wirekit::net
