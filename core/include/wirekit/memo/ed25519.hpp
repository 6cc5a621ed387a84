// Ed25519 through libsodium, wrapped once (STYLE.md §5): keys are fixed-size arrays, the
// secret is wiped when its holder goes away, and a verification result cannot be ignored.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "wirekit/common/bytes.hpp"

namespace wirekit::memo {

inline constexpr std::size_t seed_bytes = 32;
inline constexpr std::size_t verkey_bytes = 32;
inline constexpr std::size_t secret_key_bytes = 32 + 32;  // seed, then the verkey
inline constexpr std::size_t signature_bytes = 64;

using seed = std::array<std::byte, seed_bytes>;
using verkey = std::array<std::byte, verkey_bytes>;
using signature = std::array<std::byte, signature_bytes>;

// Initialises libsodium once; every function here calls it, so callers need not.
void ensure_sodium();

// Fills out with random bytes from libsodium.
void random_bytes(std::span<std::byte> out);

// An Ed25519 key pair made from a seed. Not copyable: exactly one copy of the secret.
class signing_key {
 public:
  explicit signing_key(std::span<const std::byte, seed_bytes> seed);
  ~signing_key();
  signing_key(const signing_key&) = delete;
  signing_key& operator=(const signing_key&) = delete;
  signing_key(signing_key&& other) noexcept;
  signing_key& operator=(signing_key&&) = delete;

  const verkey& public_key() const { return public_; }
  signature sign(byte_view message) const;

 private:
  std::array<std::byte, secret_key_bytes> secret_{};
  verkey public_{};
};

[[nodiscard]] bool verify(const verkey& key, byte_view message, const signature& sig);

// Overwrites memory that held a secret (sodium_memzero: not optimised away).
void wipe(std::span<std::byte> secret);
void wipe(std::span<char> secret);

}  // namespace wirekit::memo
