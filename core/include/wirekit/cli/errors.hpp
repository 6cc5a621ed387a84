// Logistics failures that reach main (STYLE.md §7): each becomes one line on stderr,
// "TOOL: what failed: why", and an exit code.
#pragma once

#include <stdexcept>
#include <string>

#include "wirekit/cli/exit_code.hpp"

namespace wirekit::cli {

// Bad flags, bad files given on the command line, bad configuration: exit 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The peer or the protocol failed: exit 1.
class failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace wirekit::cli
