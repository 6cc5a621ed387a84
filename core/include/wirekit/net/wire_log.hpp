// --wire-log: every chunk of plaintext received from and sent to clients, in the reference's
// (hio WireLog) record format: "\n" + "Rx" or "Tx" + " " + peer + ":\n" + bytes + "\n", the
// peer written as hio writes its address tuples: ('127.0.0.1', 5000).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "wirekit/net/stream_listener.hpp"

namespace wirekit::net {

class wire_log {
 public:
  explicit wire_log(const std::string& path);  // throws std::system_error naming the file
  ~wire_log();
  wire_log(const wire_log&) = delete;
  wire_log& operator=(const wire_log&) = delete;

  void received(const connection_peer& peer, std::string_view data) { record("Rx", peer, data); }
  void sent(const connection_peer& peer, std::string_view data) { record("Tx", peer, data); }

 private:
  void record(std::string_view direction, const connection_peer& peer, std::string_view data);
  std::FILE* file_;
};

}  // namespace wirekit::net
