// The argv that cli::run was given, kept for need_tls_for (tls_twin.hpp), which runs the
// twin with the very same arguments.
#pragma once

namespace wirekit::cli {

void save_argv(char** argv);
char** saved_argv();  // null before run()

}  // namespace wirekit::cli
