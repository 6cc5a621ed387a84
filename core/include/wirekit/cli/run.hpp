// The frame every tool's main runs in: SIGPIPE ignored, exceptions turned into one line
// on stderr and an exit code, CLI11 parse errors into usage errors.
#pragma once

#include <functional>
#include <string_view>

#include "wirekit/cli/exit_code.hpp"

namespace CLI {
class App;
}

namespace wirekit::cli {

// Parses argv with app (printing --help / --version itself), then calls body.
// Returns the process exit status.
int run(std::string_view tool, CLI::App& app, int argc, char** argv,
        const std::function<exit_code()>& body);

// Adds --version to app (prints "TOOL wirekit VERSION").
void add_version_flag(CLI::App& app, std::string_view tool);

}  // namespace wirekit::cli
