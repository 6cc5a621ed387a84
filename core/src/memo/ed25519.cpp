#include "wirekit/memo/ed25519.hpp"

#include <sodium.h>

#include <stdexcept>

namespace wirekit::memo {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)ready;
}

void random_bytes(std::span<std::byte> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

signing_key::signing_key(std::span<const std::byte, seed_bytes> seed) {
  ensure_sodium();
  crypto_sign_seed_keypair(as_uchars(std::span<std::byte>(public_)),
                           as_uchars(std::span<std::byte>(secret_)), as_uchars(seed));
}

signing_key::~signing_key() {
  wipe(secret_);
}

signing_key::signing_key(signing_key&& other) noexcept
    : secret_(other.secret_), public_(other.public_) {
  wipe(other.secret_);
}

signature signing_key::sign(byte_view message) const {
  signature sig{};
  crypto_sign_detached(as_uchars(std::span<std::byte>(sig)), nullptr, as_uchars(message),
                       message.size(), as_uchars(byte_view(secret_)));
  return sig;
}

bool verify(const verkey& key, byte_view message, const signature& sig) {
  ensure_sodium();
  return crypto_sign_verify_detached(as_uchars(byte_view(sig)), as_uchars(message), message.size(),
                                     as_uchars(byte_view(key))) == 0;
}

void wipe(std::span<std::byte> secret) {
  sodium_memzero(secret.data(), secret.size());
}
void wipe(std::span<char> secret) {
  sodium_memzero(secret.data(), secret.size());
}

}  // namespace wirekit::memo
