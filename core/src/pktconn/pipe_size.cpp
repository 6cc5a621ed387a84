#include "wirekit/pktconn/pipe_size.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <climits>

namespace wirekit::pktconn {

bool set_pipe_size(int fd, std::size_t bytes) {
#ifdef F_SETPIPE_SZ
  struct stat st {};
  if (bytes == 0 || bytes > INT_MAX || ::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return false;
  if (::fcntl(fd, F_GETPIPE_SZ) >= static_cast<int>(bytes)) return true;
  return ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bytes)) >= 0;
#else
  (void)fd;
  (void)bytes;
  return false;
#endif
}

}  // namespace wirekit::pktconn
