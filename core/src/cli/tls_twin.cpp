#include "wirekit/cli/tls_twin.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "saved_argv.hpp"
#include "wirekit/cli/errors.hpp"
#include "wirekit/net/byte_stream.hpp"

namespace wirekit::cli {

namespace {

namespace fs = std::filesystem;

// Where the twin lies relative to the program's own folder: the top CMakeLists.txt derives it
// from the install layout (bin → libexec/wirekit), and the build tree mirrors that layout.
fs::path twin_of(const fs::path& self) {
  return (self.parent_path() / WIREKIT_TLS_TWIN_DIR / self.filename()).lexically_normal();
}

}  // namespace

void need_tls_for(const net::endpoint& where) {
  if (where.kind != net::endpoint_kind::tls || net::tls_linked()) return;
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw failure(
        fmt::format("tls:// needs this tool's TLS twin, but /proc/self/exe cannot "
                    "be read to find it: {}",
                    ec.message()));
  const auto twin = twin_of(self);
  if (fs::equivalent(twin, self, ec)) {
    throw failure(fmt::format("tls://: {} was built without TLS", self.string()));
  }
  char** argv = saved_argv();
  if (argv != nullptr) ::execv(twin.c_str(), argv);
  const int why = argv != nullptr ? errno : ENOENT;
  throw failure(
      fmt::format("tls:// needs the build of this tool with TLS, {}, which cannot be run: {}",
                  twin.string(), std::strerror(why)));
}

}  // namespace wirekit::cli
