// memo-send: cuts memos into memograms. Today: --emit hex (grams as hex lines on stdout)
// and --keygen; sending over datagram sockets (--to) comes with the transports.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "wirekit/cli/errors.hpp"
#include "wirekit/cli/run.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/memo/display.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/rend.hpp"

namespace {

using namespace wirekit;

struct options {
  std::string emit;
  std::string dialect = "1aa";
  bool binary = false;
  std::size_t size = memo::max_gram_bytes;
  std::string mid;
  std::string sign;
  bool sure = false;
  bool utf8 = false;
  std::string keygen;
  std::string vid_code = "B";
  std::string to;
  std::vector<std::string> memos;
};

cli::exit_code keygen(const options& o) {
  if (o.vid_code != "B" && o.vid_code != "D") throw cli::usage_error("--vid-code must be B or D");
  try {
    fmt::print("{}\n", memo::create_key_file(o.keygen, o.vid_code[0]));
  } catch (const memo::key_file_error& e) {
    throw cli::usage_error(e.what());
  }
  return cli::exit_code::ok;
}

std::vector<bytes> read_memos(const options& o) {
  std::vector<bytes> memos;
  for (const auto& m : o.memos)
    memos.push_back(to_bytes(m));
  if (memos.empty()) {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw cli::failure("cannot read stdin");
    memos.push_back(to_bytes(all));
  }
  return memos;
}

cli::exit_code emit(const options& o) {
  if (o.emit != "hex") throw cli::usage_error("--emit takes hex");
  memo::rend_config config;
  const auto dialect = memo::parse_dialect(o.dialect);
  if (!dialect) throw cli::usage_error("--dialect must be 1aa, baa or legacy");
  config.dia = *dialect;
  config.frm = o.binary ? memo::form::binary : memo::form::text;
  config.size = o.size;
  config.sure = o.sure;
  if (o.sure && config.dia == memo::dialect::legacy)
    throw cli::usage_error("--sure: the legacy dialect has no sure codes");
  std::optional<memo::signer_identity> signer;
  if (!o.sign.empty()) {
    try {
      signer.emplace(memo::load_key_file(o.sign));
    } catch (const memo::key_file_error& e) {
      throw cli::usage_error(e.what());
    }
    config.signer = &signer->key;
    config.vid = signer->vid;
  }
  std::optional<memo::mid_raw> pinned;
  if (!o.mid.empty()) {
    pinned = memo::parse_mid(o.mid);
    if (!pinned)
      throw cli::usage_error(fmt::format("--mid {}: not a 24-character qb64 MID", o.mid));
    if (o.memos.size() > 1)
      throw cli::usage_error("--mid pins one memo's id: give at most one MEMO argument");
  }
  const auto memos = read_memos(o);
  for (std::size_t i = 0; i < memos.size(); ++i) {
    if (o.utf8 && !memo::is_utf8(memos[i]))
      throw cli::failure(fmt::format("memo {} is not valid UTF-8 (--utf8)", i + 1));
    const auto result = memo::rend(memos[i], config, pinned ? *pinned : memo::random_mid());
    if (result.status != memo::rend_status::ok)
      throw cli::usage_error(fmt::format("memo {}: {}", i + 1, result.message));
    for (const auto& gram : result.grams)
      fmt::print("{}\n", to_hex(gram));
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw cli::failure("cannot write stdout");
  return cli::exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{
      "Cut memos into memograms (hio wire formats). Memos come from the MEMO arguments, or, "
      "with none, one memo is all of stdin as raw bytes.",
      "memo-send"};
  cli::add_version_flag(app, "memo-send");
  app.add_option("--emit", o.emit, "Print each gram as one lowercase hex line instead of sending")
      ->option_text("hex");
  app.add_option("--dialect", o.dialect, "Gram dialect: 1aa (default), baa or legacy")
      ->option_text("1aa|baa|legacy");
  app.add_flag("--binary", o.binary, "Binary (qb2) headers instead of text (qb64)");
  app.add_option("--size", o.size,
                 "Gram size in bytes (default 65535; raised to the smallest "
                 "that fits one body byte)");
  app.add_option("--mid", o.mid, "Pin the memo id (24-character qb64) for reproducible output");
  app.add_option("--sign", o.sign, "Sign every gram with the key in KEYFILE")
      ->option_text("KEYFILE");
  app.add_flag("--sure", o.sure, "Use the dialect's sure codes (1aa, baa)");
  app.add_flag("--utf8", o.utf8, "Refuse memos that are not valid UTF-8 (hio peers wedge on them)");
  app.add_option("--keygen", o.keygen,
                 "Create FILE (mode 0600) with a new Ed25519 key and print its vid")
      ->option_text("FILE");
  app.add_option("--vid-code", o.vid_code, "With --keygen: vid code B (default) or D")
      ->option_text("B|D");
  app.add_option("--to", o.to, "Send to a datagram endpoint (not available yet)")
      ->option_text("ENDPOINT");
  app.add_option("MEMO", o.memos, "Memos to send (default: all of stdin as one memo)");
  return cli::run("memo-send", app, argc, argv, [&] {
    if (!o.to.empty())
      throw cli::usage_error("--to: sending over sockets is not available yet; use --emit hex");
    if (!o.keygen.empty()) {
      if (!o.emit.empty()) throw cli::usage_error("--keygen and --emit do not go together");
      return keygen(o);
    }
    if (o.emit.empty())
      throw cli::usage_error(
          "nothing to do: use --emit hex or --keygen FILE (--to is not "
          "available yet)");
    return emit(o);
  });
}
