#include "wirekit/cli/run.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "saved_argv.hpp"
#include "wirekit/cli/errors.hpp"

namespace wirekit::cli {

namespace {
char** run_argv = nullptr;
}  // namespace

void save_argv(char** argv) {
  run_argv = argv;
}
char** saved_argv() {
  return run_argv;
}

void add_version_flag(CLI::App& app, std::string_view tool) {
  app.set_version_flag("--version", fmt::format("{} (wirekit) {}", tool, WIREKIT_VERSION));
}

int run(std::string_view tool, CLI::App& app, int argc, char** argv,
        const std::function<exit_code()>& body) {
  // A write to a closed pipe must come back as an error, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  save_argv(argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {}\nRun with --help for more information.\n", tool, e.what());
    return static_cast<int>(exit_code::usage);
  }
  try {
    return static_cast<int>(body());
  } catch (const usage_error& e) {
    fmt::print(stderr, "{}: {}\n", tool, e.what());
    return static_cast<int>(exit_code::usage);
  } catch (const failure& e) {
    fmt::print(stderr, "{}: {}\n", tool, e.what());
    return static_cast<int>(exit_code::failed);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", tool, e.what());
    return static_cast<int>(exit_code::failed);
  }
}

}  // namespace wirekit::cli
