// Bigger pipes for packet streams, on request (--pipe-size). Linux pipes hold 64 KiB by
// default; measured with 64 KiB packets, 256 KiB and 1 MiB pipes cost more CPU and gave less
// throughput than the default (the bigger buffers fall out of the cache), so the default is
// to leave pipes alone.
#pragma once

#include <cstddef>

namespace wirekit::pktconn {

// 0: leave pipes as they are. An unprivileged process may ask for up to
// /proc/sys/fs/pipe-max-size (1 MiB by default).
inline constexpr std::size_t default_pipe_bytes = 0;

// Asks for a pipe buffer of `bytes` if fd is a pipe (F_SETPIPE_SZ); anything else, or a
// refusal (limits, older kernels), leaves it as it was. Returns whether the size was set.
bool set_pipe_size(int fd, std::size_t bytes);

}  // namespace wirekit::pktconn
