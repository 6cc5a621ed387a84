// memo-send: cuts memos into memograms and sends them to a datagram endpoint (--to), or
// prints them as hex lines (--emit hex); --keygen makes a key file.
#include <fmt/core.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/cli/errors.hpp"
#include "wirekit/cli/run.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/memo/display.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/rend.hpp"
#include "wirekit/memo/sure_sender.hpp"
#include "wirekit/net/frame_reader.hpp"
#include "wirekit/net/memo_send_loop.hpp"

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
  bool size_given = false;
  std::string to;
  std::string from;
  std::string format = "whole";
  std::string rate;
  std::size_t max_memo_bytes = std::size_t{64} << 20;
  std::vector<std::string> memos;
  // --sure
  unsigned retries = memo::sure_config{}.retries;
  double deadline_s = 60;
  std::size_t window = memo::sure_config{}.max_window;
  std::vector<std::string> ack_vids;
  std::string trust;
  bool json_out = false;
  bool stats = false;
};

// Failed memos named one per line on stderr (without --json); the summary counts them all.
constexpr std::size_t max_failure_lines = 10;

// Thrown by the memo callback to stop reading input after a memo failed.
struct stop_reading {};

cli::exit_code keygen(const options& o) {
  if (o.vid_code != "B" && o.vid_code != "D") throw cli::usage_error("--vid-code must be B or D");
  try {
    fmt::print("{}\n", memo::create_key_file(o.keygen, o.vid_code[0]));
  } catch (const memo::key_file_error& e) {
    throw cli::usage_error(e.what());
  }
  return cli::exit_code::ok;
}

// Builds the rend settings; the signer, if any, is loaded into `signer`, which must
// outlive the returned config.
memo::rend_config make_rend_config(const options& o, std::optional<memo::signer_identity>& signer,
                                   std::size_t default_size) {
  memo::rend_config config;
  const auto dialect = memo::parse_dialect(o.dialect);
  if (!dialect) throw cli::usage_error("--dialect must be 1aa, baa or legacy");
  config.dia = *dialect;
  config.frm = o.binary ? memo::form::binary : memo::form::text;
  config.size = o.size_given ? o.size : default_size;
  config.sure = o.sure;
  if (o.sure && config.dia == memo::dialect::legacy)
    throw cli::usage_error("--sure: the legacy dialect has no sure codes");
  if (!o.sign.empty()) {
    try {
      signer.emplace(memo::load_key_file(o.sign));
    } catch (const memo::key_file_error& e) {
      throw cli::usage_error(e.what());
    }
    config.signer = &signer->key;
    config.vid = signer->vid;
  }
  return config;
}

// One memo from a --format json line: {"memo": TEXT} or {"memo_base64": BASE64}.
bytes memo_from_json(const bytes& line, std::size_t number) {
  const auto j = nlohmann::json::parse(as_chars(line), nullptr, false);
  if (j.is_object()) {
    if (const auto it = j.find("memo"); it != j.end() && it->is_string())
      return to_bytes(it->get<std::string>());
    if (const auto it = j.find("memo_base64"); it != j.end() && it->is_string()) {
      if (auto decoded = memo::from_base64(it->get<std::string>())) return *decoded;
    }
  }
  throw cli::failure(fmt::format(
      "input memo {}: not a JSON object with a string \"memo\" or base64 \"memo_base64\"", number));
}

// Calls fn with each memo: the MEMO arguments, or stdin cut by --format.
// fn may take the memo it is given (move from it).
void for_each_memo(const options& o, const std::function<void(bytes&)>& fn) {
  for (const auto& m : o.memos) {
    auto memo = to_bytes(m);
    fn(memo);
  }
  if (!o.memos.empty()) return;
  const auto format = net::parse_frame_format(o.format);
  if (!format) throw cli::usage_error("--format must be line, netstring, json or whole");
  net::frame_reader reader(*format == net::frame_format::json ? net::frame_format::line : *format,
                           o.max_memo_bytes);
  std::vector<std::byte> chunk(64 * 1024);
  bytes frame;
  std::size_t number = 0;
  bool eof = false;
  while (true) {
    const auto status = reader.next(&frame);
    if (status == net::frame_status::frame) {
      if (*format == net::frame_format::json) {
        if (frame.empty()) continue;
        frame = memo_from_json(frame, number + 1);
      }
      ++number;
      fn(frame);
      continue;
    }
    if (status == net::frame_status::too_large)
      throw cli::failure(fmt::format("input memo {} is larger than --max-memo-bytes {}", number + 1,
                                     o.max_memo_bytes));
    if (status == net::frame_status::malformed || status == net::frame_status::truncated)
      throw cli::failure(
          fmt::format("input memo {}: {} netstring", number + 1,
                      status == net::frame_status::malformed ? "malformed" : "truncated"));
    if (eof) break;
    const ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw cli::failure(fmt::format("cannot read stdin: {}", std::strerror(errno)));
    }
    if (n == 0) {
      eof = true;
      reader.finish();
    } else {
      reader.push(byte_view(chunk.data(), static_cast<std::size_t>(n)));
    }
  }
  // "whole" with empty input is one empty memo, as before --format existed.
  if (*format == net::frame_format::whole && number == 0) {
    bytes empty;
    fn(empty);
  }
}

cli::exit_code emit(const options& o) {
  if (o.emit != "hex") throw cli::usage_error("--emit takes hex");
  std::optional<memo::signer_identity> signer;
  const auto config = make_rend_config(o, signer, memo::max_gram_bytes);
  std::optional<memo::mid_raw> pinned;
  if (!o.mid.empty()) {
    pinned = memo::parse_mid(o.mid);
    if (!pinned)
      throw cli::usage_error(fmt::format("--mid {}: not a 24-character qb64 MID", o.mid));
    if (o.memos.size() > 1)
      throw cli::usage_error("--mid pins one memo's id: give at most one MEMO argument");
  }
  std::size_t number = 0;
  for_each_memo(o, [&](bytes& memo) {
    ++number;
    if (o.utf8 && !memo::is_utf8(memo))
      throw cli::failure(fmt::format("memo {} is not valid UTF-8 (--utf8)", number));
    const auto result = memo::rend(memo, config, pinned ? *pinned : memo::random_mid());
    if (result.status != memo::rend_status::ok)
      throw cli::usage_error(fmt::format("memo {}: {}", number, result.message));
    for (const auto& gram : result.grams)
      fmt::print("{}\n", to_hex(gram));
  });
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw cli::failure("cannot write stdout");
  return cli::exit_code::ok;
}

cli::exit_code send(const options& o) {
  std::string why;
  const auto to = net::parse_endpoint(o.to, &why);
  if (!to || !to->is_datagram())
    throw cli::usage_error(
        fmt::format("--to {}: {}; memo-send sends to udp://HOST:PORT or uxd:PATH", o.to,
                    to ? "not a datagram endpoint" : why));
  std::optional<net::endpoint> from;
  if (!o.from.empty()) {
    from = net::parse_endpoint(o.from, &why);
    if (!from || from->kind != to->kind)
      throw cli::usage_error(
          fmt::format("--from {}: {}", o.from, from ? "must be of the same kind as --to" : why));
  }
  net::memo_send_config config;
  config.to = *to;
  config.from = from;
  // hio's defaults: 1240-byte grams fit an IPv6 UDP datagram; unix datagrams carry 65535.
  std::optional<memo::signer_identity> signer;
  config.rend = make_rend_config(o, signer, to->kind == net::endpoint_kind::udp ? 1240 : 65535);
  if (!o.rate.empty()) {
    config.rate = net::parse_send_rate(o.rate);
    if (!config.rate)
      throw cli::usage_error("--rate takes N or Ng (grams/s), NB, NK or NM (bytes, KiB, MiB/s)");
  }

  std::optional<memo::trust_store> ack_trust;
  if (o.sure) {
    memo::sure_config sure;
    sure.retries = o.retries;
    if (!(o.deadline_s > 0)) throw cli::usage_error("--deadline must be positive");
    sure.deadline = std::chrono::duration_cast<memo::clock::duration>(
        std::chrono::duration<double>(o.deadline_s));
    if (o.window < 1) throw cli::usage_error("--window must be at least 1");
    sure.max_window = o.window;
    sure.min_window = std::min(sure.min_window, o.window);
    sure.initial_window = std::min(sure.initial_window, o.window);
    for (const auto& vid : o.ack_vids) {
      if (vid.size() != memo::vid_chars || (vid[0] != 'B' && vid[0] != 'D' && vid[0] != 'E'))
        throw cli::usage_error(fmt::format("--ack-vid {}: not a 44-character B, D or E vid", vid));
    }
    sure.ack_vids = o.ack_vids;
    if (!o.trust.empty()) {
      try {
        ack_trust = memo::load_trust_file(o.trust);
      } catch (const memo::key_file_error& e) {
        throw cli::usage_error(e.what());
      }
      sure.trust = &*ack_trust;
    }
    config.sure = sure;
  }

  asio::io_context io;
  std::optional<net::memo_send_loop> loop;
  try {
    loop.emplace(io, config);
  } catch (const std::system_error& e) {
    throw cli::failure(e.what());
  }
  std::size_t delivered = 0, failed = 0;
  std::string first_failure;
  loop->on_outcome([&](const memo::memo_outcome& m) {
    ++(m.delivered ? delivered : failed);
    if (!m.delivered && first_failure.empty())
      first_failure = fmt::format("memo {} ({}): {}", m.tag, m.mid, m.reason);
    if (o.json_out) {
      nlohmann::ordered_json j;
      j["memo"] = m.tag;
      j["mid"] = m.mid;
      j["status"] = m.delivered ? "delivered" : "failed";
      if (!m.delivered) j["reason"] = m.reason;
      j["grams"] = m.grams;
      j["retransmissions"] = m.retransmissions;
      j["elapsed"] = std::chrono::duration<double>(m.elapsed).count();
      fmt::print("{}\n", j.dump());
      std::fflush(stdout);
    } else if (!m.delivered && failed <= max_failure_lines) {
      fmt::print(stderr, "memo-send: memo {} ({}): not acknowledged: {}\n", m.tag, m.mid, m.reason);
    }
  });
  const auto run_one = [&] {
    io.restart();
    io.run_one();
  };
  std::size_t number = 0;
  bool stopped = false;
  try {
    for_each_memo(o, [&](bytes& memo) {
      if (o.sure) {
        // Bounded memory: wait until the memos held for acks leave room for this one.
        while (!loop->can_queue(memo.size()) && !loop->failure() && failed == 0)
          run_one();
        if (failed > 0 || loop->failure()) throw stop_reading{};
      }
      ++number;
      if (o.utf8 && !memo::is_utf8(memo))
        throw cli::failure(fmt::format("memo {} is not valid UTF-8 (--utf8)", number));
      // Taken, not copied: unsigned grams go out as slices of it.
      const auto result =
          loop->queue(std::make_shared<const bytes>(std::move(memo)), std::nullopt, number);
      if (result.status != memo::rend_status::ok)
        throw cli::usage_error(fmt::format("memo {}: {}", number, result.message));
      if (o.sure) return;
      // Hand everything to the kernel before reading more: memory stays bounded by one memo.
      while (loop->busy() && !loop->failure())
        run_one();
      if (loop->failure()) throw cli::failure(*loop->failure());
    });
  } catch (const stop_reading&) {
    stopped = true;
  }
  // Every memo ends, delivered or failed, by its deadline at the latest.
  while (o.sure && !loop->settled())
    run_one();
  if (o.stats && loop->sure_stats()) {
    const auto& s = *loop->sure_stats();
    fmt::print(stderr,
               "memo-send: stats: memos={} delivered={} failed={} grams={} grams_sent={} "
               "retransmissions={} fast_retransmissions={} tail_probes={} timeouts={}",
               number, s.delivered, s.failed, loop->stats().grams, s.grams_sent, s.retransmissions,
               s.fast_retransmissions, s.tail_probes, s.timeouts);
    for (std::size_t i = 0; i < s.acks.size(); ++i)
      if (s.acks[i] != 0)
        fmt::print(stderr, " acks.{}={}", memo::to_string(static_cast<memo::ack_status>(i)),
                   s.acks[i]);
    fmt::print(stderr, "\n");
  }
  if (o.sure && failed > 0)
    throw cli::failure(fmt::format("{} of {} memos not acknowledged{}; first: {}", failed, number,
                                   stopped ? " (stopped reading input at the first)" : "",
                                   first_failure));
  if (loop->failure()) throw cli::failure(*loop->failure());
  return cli::exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{
      "Cut memos into memograms (hio wire formats) and send them to a datagram endpoint "
      "(--to) or print them as hex (--emit hex). Memos come from the MEMO arguments, or, "
      "with none, from stdin cut by --format (default: all of stdin is one memo).",
      "memo-send"};
  cli::add_version_flag(app, "memo-send");
  app.add_option("--emit", o.emit, "Print each gram as one lowercase hex line instead of sending")
      ->option_text("hex");
  app.add_option("--dialect", o.dialect, "Gram dialect: 1aa (default), baa or legacy")
      ->option_text("1aa|baa|legacy");
  app.add_flag("--binary", o.binary, "Binary (qb2) headers instead of text (qb64)");
  app.add_option("--size", o.size,
                 "Gram size in bytes (default 1240 for udp://, 65535 otherwise; raised to the "
                 "smallest that fits one body byte)");
  app.add_option("--mid", o.mid, "Pin the memo id (24-character qb64) for reproducible output");
  app.add_option("--sign", o.sign, "Sign every gram with the key in KEYFILE")
      ->option_text("KEYFILE");
  app.add_flag("--sure", o.sure,
               "Acknowledged delivery: sure codes (1aa, baa), retransmission until every gram is "
               "acked, exit 1 unless every memo was acked");
  app.add_option("--retries", o.retries,
                 "With --sure: timeouts in a row without progress before a memo fails "
                 "(default 8)")
      ->option_text("N");
  app.add_option("--deadline", o.deadline_s,
                 "With --sure: seconds a memo may take to be acked (default 60)")
      ->option_text("S");
  app.add_option("--window", o.window,
                 "With --sure: most grams in flight unacked (default 256; it starts at 16 and "
                 "adapts)")
      ->option_text("N");
  app.add_option("--ack-vid", o.ack_vids,
                 "With --sure and --sign: accept acks signed by VID only (repeatable; default: "
                 "any verifiable signer)")
      ->option_text("VID")
      ->allow_extra_args(false);
  app.add_option("--trust", o.trust,
                 "With --sure: trust file (VID VERKEY lines) for D and E vids of signed acks")
      ->option_text("FILE");
  app.add_flag("--json", o.json_out,
               "With --sure: one JSON line per memo on stdout (memo, mid, status, reason, grams, "
               "retransmissions, elapsed)");
  app.add_flag("--stats", o.stats,
               "With --sure: on exit, counts on stderr (grams sent, retransmissions, acks by "
               "fate)");
  app.add_flag("--utf8", o.utf8, "Refuse memos that are not valid UTF-8 (hio peers wedge on them)");
  app.add_option("--keygen", o.keygen,
                 "Create FILE (mode 0600) with a new Ed25519 key and print its vid")
      ->option_text("FILE");
  app.add_option("--vid-code", o.vid_code, "With --keygen: vid code B (default) or D")
      ->option_text("B|D");
  app.add_option("--to", o.to, "Send the grams to udp://HOST:PORT or uxd:PATH")
      ->option_text("ENDPOINT");
  app.add_option("--from", o.from,
                 "Send from this bound endpoint (default: ephemeral udp port or unbound uxd; "
                 "with --sure, a udp port on every address or a temporary uxd path)")
      ->option_text("ENDPOINT");
  app.add_option("--format", o.format,
                 "How stdin is cut into memos: whole (default: all of stdin is one memo), line, "
                 "netstring, or json (lines of {\"memo\": ...} or {\"memo_base64\": ...})")
      ->option_text("whole|line|netstring|json");
  app.add_option("--rate", o.rate,
                 "Pace the grams: N or Ng grams per second; NB, NK, NM bytes, KiB, MiB per second")
      ->option_text("RATE");
  app.add_option("--max-memo-bytes", o.max_memo_bytes,
                 "Largest memo read from stdin (default 67108864)");
  app.add_option("MEMO", o.memos, "Memos to send (default: all of stdin as one memo)");
  return cli::run("memo-send", app, argc, argv, [&] {
    o.size_given = app.count("--size") > 0;
    if (!o.to.empty() && !o.emit.empty())
      throw cli::usage_error("--to and --emit do not go together");
    if (!o.keygen.empty()) {
      if (!o.emit.empty()) throw cli::usage_error("--keygen and --emit do not go together");
      return keygen(o);
    }
    for (const char* flag :
         {"--retries", "--deadline", "--window", "--ack-vid", "--trust", "--json", "--stats"}) {
      if (app.count(flag) > 0 && !(o.sure && !o.to.empty()))
        throw cli::usage_error(fmt::format("{} goes with --sure and --to", flag));
    }
    if (!o.to.empty()) return send(o);
    if (o.emit.empty())
      throw cli::usage_error("nothing to do: use --to ENDPOINT, --emit hex or --keygen FILE");
    return emit(o);
  });
}
