// Bigger pipes for packet streams: Linux pipes hold 64 KiB by default, so a 64 KiB packet
// never fits whole and each side wakes the other for every few pages.
#pragma once

#include <cstddef>

namespace wirekit::pktconn {

// 1 MiB is /proc/sys/fs/pipe-max-size by default: what an unprivileged process may ask for.
inline constexpr std::size_t default_pipe_bytes = std::size_t{1} << 20;

// Asks for a pipe buffer of `bytes` if fd is a pipe (F_SETPIPE_SZ); anything else, or a
// refusal (limits, older kernels), leaves it as it was. Returns whether the size was set.
bool set_pipe_size(int fd, std::size_t bytes);

}  // namespace wirekit::pktconn
