#include "wirekit/memo/key_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include <fmt/core.h>

#include "wirekit/common/cesr.hpp"

namespace wirekit::memo {

namespace {

std::optional<verkey> decode_vid(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const auto* spec = cesr::vid_spec(text[0]);
  if (!spec) return std::nullopt;
  const auto raw = cesr::decode_qb64(*spec, text);
  if (!raw || raw->size() != verkey_bytes) return std::nullopt;
  verkey k{};
  std::copy(raw->begin(), raw->end(), k.begin());
  return k;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string errno_text() {
  return std::strerror(errno);
}

// Holds a secret text and wipes it when it goes.
struct secret_text {
  std::array<char, max_key_file_bytes + 1> data{};
  std::size_t size = 0;
  ~secret_text() { wipe(std::span<char>(data)); }
  std::string_view view() const { return {data.data(), size}; }
};

}  // namespace

std::string vid_text(char code, const verkey& raw) {
  const auto* spec = cesr::vid_spec(code);
  if (!spec) throw std::invalid_argument("vid code must be B, D or E");
  return cesr::encode_qb64(*spec, raw);
}

signer_identity load_key_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw key_file_error(fmt::format("cannot read key file {}: {}", path, errno_text()));
  secret_text text;
  while (text.size < text.data.size()) {
    const ssize_t n = ::read(fd, text.data.data() + text.size, text.data.size() - text.size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      throw key_file_error(fmt::format("cannot read key file {}: {}", path, why));
    }
    if (n == 0) break;
    text.size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (text.size > max_key_file_bytes)
    throw key_file_error(
        fmt::format("{}: not a key file (larger than {} bytes)", path, max_key_file_bytes));

  std::string_view rest = text.view();
  std::optional<seed> key_seed;
  std::string vid;
  for (std::size_t line = 1; !rest.empty(); ++line) {
    const auto end = rest.find('\n');
    const std::string_view raw_line = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (line == 1) {
      auto decoded = cesr::decode_qb64(cesr::ed25519_seed, raw_line);
      if (!decoded || decoded->size() != seed_bytes) {
        if (decoded) wipe(std::span<std::byte>(*decoded));
        throw key_file_error(fmt::format(
            "{}:1: expected the Ed25519 seed in qb64 (A followed by 43 characters)", path));
      }
      key_seed.emplace();
      std::copy(decoded->begin(), decoded->end(), key_seed->begin());
      wipe(std::span<std::byte>(*decoded));
    } else if (line == 2 && !raw_line.empty()) {
      vid = std::string(raw_line);
    } else if (!raw_line.empty()) {
      throw key_file_error(fmt::format(
          "{}:{}: unexpected text (a key file has a seed line and a vid line)", path, line));
    }
  }
  if (!key_seed) throw key_file_error(fmt::format("{}:1: empty key file", path));
  signer_identity id{signing_key(*key_seed), {}};
  wipe(std::span<std::byte>(*key_seed));
  if (vid.empty()) {
    id.vid = vid_text('B', id.key.public_key());
  } else {
    const auto raw = decode_vid(vid);
    if (!raw || (vid[0] != 'B' && vid[0] != 'D'))
      throw key_file_error(fmt::format(
          "{}:2: expected the vid this key signs as (B or D followed by 43 characters)", path));
    if (*raw != id.key.public_key())
      throw key_file_error(
          fmt::format("{}:2: vid {} is not made from this key's verkey", path, vid));
    id.vid = vid;
  }
  return id;
}

std::string create_key_file(const std::string& path, char vid_code) {
  if (vid_code != 'B' && vid_code != 'D')
    throw key_file_error(fmt::format("vid code must be B or D, not {}", vid_code));
  seed key_seed{};
  random_bytes(key_seed);
  const signing_key key(key_seed);
  const std::string vid = vid_text(vid_code, key.public_key());
  std::string content = cesr::encode_qb64(cesr::ed25519_seed, key_seed) + "\n" + vid + "\n";
  wipe(std::span<std::byte>(key_seed));

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    wipe(std::span<char>(content));
    throw key_file_error(fmt::format("cannot create key file {}: {}", path, errno_text()));
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      wipe(std::span<char>(content));
      throw key_file_error(fmt::format("cannot write key file {}: {}", path, why));
    }
    done += static_cast<std::size_t>(n);
  }
  wipe(std::span<char>(content));
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw key_file_error(fmt::format("cannot write key file {}: {}", path, errno_text()));
  return vid;
}

trust_store load_trust_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw key_file_error(fmt::format("cannot read trust file {}: {}", path, errno_text()));
  trust_store trust;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    std::string_view content = line;
    if (const auto hash = content.find('#'); hash != std::string_view::npos)
      content = content.substr(0, hash);
    std::istringstream fields{std::string(trim(content))};
    std::string vid, key, extra;
    fields >> vid >> key >> extra;
    if (vid.empty()) continue;
    if (key.empty() || !extra.empty())
      throw key_file_error(fmt::format("{}:{}: expected two fields, VID VERKEY", path, number));
    if (!decode_vid(vid))
      throw key_file_error(fmt::format(
          "{}:{}: {} is not a vid (B, D or E followed by 43 characters)", path, number, vid));
    const auto raw = key[0] == 'B' ? decode_vid(key) : std::nullopt;
    if (!raw)
      throw key_file_error(fmt::format(
          "{}:{}: {} is not an Ed25519 verkey (B followed by 43 characters)", path, number, key));
    trust.add(vid, *raw);
  }
  if (in.bad()) throw key_file_error(fmt::format("cannot read trust file {}", path));
  return trust;
}

}  // namespace wirekit::memo
