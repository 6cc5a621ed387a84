// Exit codes shared by every tool (DESIGN.md, "CLI conventions").
#pragma once

namespace wirekit::cli {

enum class exit_code : int {
  ok = 0,           // success
  failed = 1,       // the peer or the protocol failed: refused, rejected, timed out, unacked
  usage = 2,        // usage or configuration error
  interrupted = 3,  // stopped by a signal after a clean shutdown
};

}  // namespace wirekit::cli
