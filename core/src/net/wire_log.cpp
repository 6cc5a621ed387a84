#include "wirekit/net/wire_log.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <system_error>

namespace wirekit::net {

wire_log::wire_log(const std::string& path) : file_(std::fopen(path.c_str(), "ab")) {
  if (!file_) {
    throw std::system_error(errno, std::generic_category(), "cannot open wire log " + path);
  }
}

wire_log::~wire_log() {
  std::fclose(file_);
}

void wire_log::record(std::string_view direction, const connection_peer& peer,
                      std::string_view data) {
  const auto who = peer.proto == "UNIX"
                       ? std::string("unix")
                       : fmt::format("('{}', {})", peer.remote_ip, peer.remote_port);
  const auto head = fmt::format("\n{} {}:\n", direction, who);
  std::fwrite(head.data(), 1, head.size(), file_);
  std::fwrite(data.data(), 1, data.size(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);  // a debugging record is most useful right after the crash
}

}  // namespace wirekit::net
