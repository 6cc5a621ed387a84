// Key files and trust files (issue 2, item 5). They are read at start-up, so problems are
// logistics: key_file_error, whose message names the file and, where it applies, the line.
//
// Key file (text, mode 0600):
//   line 1  the Ed25519 seed in qb64: `A` + 43 characters
//   line 2  optional: the vid this key signs as, `B…` (default) or `D…`, made from its verkey
// Trust file (text): one `VID VERKEY` per line, VID `B…`/`D…`/`E…`, VERKEY `B…`; `#` starts a
// comment; blank lines are ignored.
#pragma once

#include <stdexcept>
#include <string>

#include "wirekit/memo/ed25519.hpp"
#include "wirekit/memo/trust_store.hpp"

namespace wirekit::memo {

class key_file_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct signer_identity {
  signing_key key;
  std::string vid;  // qb64, B… or D…
};

// The largest key file read; a real one is 90 bytes.
inline constexpr std::size_t max_key_file_bytes = 4096;

signer_identity load_key_file(const std::string& path);

// Creates path (which must not exist) with mode 0600 holding a new random seed and its vid
// (vid_code 'B' or 'D'); returns the vid. The seed is never printed.
std::string create_key_file(const std::string& path, char vid_code);

trust_store load_trust_file(const std::string& path);

// The qb64 vid with code 'B', 'D' or 'E' for 32 raw bytes.
std::string vid_text(char code, const verkey& raw);

}  // namespace wirekit::memo
