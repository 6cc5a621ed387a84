// memo-recv: joins memograms back into memos, received on a datagram endpoint (udp://,
// uxd:) or read as hex lines from stdin (--read hex, with --explain to decode each gram).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include "wirekit/net/asio.hpp"

#include "wirekit/cli/errors.hpp"
#include "wirekit/cli/run.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/memo/display.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/receiver.hpp"
#include "wirekit/net/frame_reader.hpp"
#include "wirekit/net/memo_receive_loop.hpp"
#include "wirekit/net/stop_signals.hpp"

namespace {

using namespace wirekit;
using json = nlohmann::ordered_json;

struct options {
  std::string read;
  std::string endpoint;
  bool authic = false;
  std::string trust;
  bool json_out = false;
  std::string format = "line";
  std::size_t count = 0;
  double timeout_s = 0;
  bool stats = false;
  bool quiet = false;
  bool verbose = false;
  bool explain = false;
  std::size_t max_pending = memo::reassembly_limits{}.max_pending_memos;
  std::size_t max_pending_bytes = memo::reassembly_limits{}.max_pending_bytes;
  double max_age_s = 60;
  std::size_t max_held = memo::reassembly_limits{}.max_held_grams;
  std::size_t max_gram_bytes = std::size_t{1} << 20;
  bool no_ack = false;
  std::string sign;
};

// Reads one line of at most `limit` characters; longer lines are consumed and flagged.
struct line_reader {
  std::FILE* in;
  std::size_t limit;

  // nullopt at end of input; sets too_long when the line did not fit.
  std::optional<std::string> next(bool& too_long) {
    std::string line;
    too_long = false;
    int c;
    bool any = false;
    while ((c = std::getc(in)) != EOF) {
      any = true;
      if (c == '\n') return line;
      if (line.size() < limit)
        line.push_back(static_cast<char>(c));
      else
        too_long = true;
    }
    if (std::ferror(in)) throw cli::failure("cannot read stdin");
    if (!any) return std::nullopt;
    return line;
  }
};

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

enum class output_format { line, netstring, json, raw };

output_format parse_output_format(const options& o) {
  if (o.json_out || o.format == "json") return output_format::json;
  if (o.format == "line") return output_format::line;
  if (o.format == "netstring") return output_format::netstring;
  if (o.format == "raw") return output_format::raw;
  throw cli::usage_error("--format must be line, netstring, json or raw");
}

// Prints one memo; false (and nothing printed) when the format cannot carry it.
bool print_memo(const memo::completed_memo& m, output_format format, bool with_source) {
  switch (format) {
    case output_format::line: {
      if (std::find(m.memo.begin(), m.memo.end(), std::byte{'\n'}) != m.memo.end()) {
        fmt::print(stderr,
                   "memo-recv: memo {} contains a newline and cannot be printed as a line; "
                   "use --format netstring, json or raw\n",
                   m.mid);
        return false;
      }
      std::fwrite(m.memo.data(), 1, m.memo.size(), stdout);
      std::fputc('\n', stdout);
      break;
    }
    case output_format::netstring: {
      const auto framed = net::netstring_encode(m.memo);
      std::fwrite(framed.data(), 1, framed.size(), stdout);
      break;
    }
    case output_format::raw:
      std::fwrite(m.memo.data(), 1, m.memo.size(), stdout);
      break;
    case output_format::json: {
      json j;
      j["mid"] = m.mid;
      j["vid"] = m.vid ? json(*m.vid) : json(nullptr);
      j["dialect"] = memo::to_string(m.dia);
      if (memo::is_utf8(m.memo))
        j["memo"] = to_string(m.memo);
      else
        j["memo_base64"] = memo::to_base64(m.memo);
      if (with_source) j["src"] = m.source;
      fmt::print("{}\n", j.dump());
      break;
    }
  }
  std::fflush(stdout);
  return true;
}

void print_explain(std::size_t line, const memo::gram_report& r, bool as_json) {
  if (as_json) {
    json j;
    j["line"] = line;
    j["status"] = memo::to_string(r.status);
    j["reason"] = r.reason ? json(memo::to_string(*r.reason)) : json(nullptr);
    if (!r.code.empty()) {
      j["dialect"] = memo::to_string(r.dia);
      j["form"] = memo::to_string(r.frm);
      j["code"] = r.code;
      j["code_name"] = r.code_name;
    }
    if (r.parsed) {
      j[r.zeroth ? "count" : "number"] = r.zeroth ? *r.count : r.number;
      j["mid"] = r.mid;
      j["vid"] = r.vid.empty() ? json(nullptr) : json(r.vid);
      j["body_bytes"] = r.body_bytes;
      j["signature"] = memo::to_string(r.sig);
      j["completed"] = r.completed;
    }
    fmt::print("{}\n", j.dump());
    return;
  }
  std::string out = fmt::format("line {}:", line);
  if (!r.code.empty())
    out += fmt::format(" dialect={} form={} code={} ({})", memo::to_string(r.dia),
                       memo::to_string(r.frm), r.code, r.code_name);
  if (r.parsed) {
    out +=
        r.zeroth ? fmt::format(" zeroth count={}", *r.count) : fmt::format(" number={}", r.number);
    out += fmt::format(" mid={}", r.mid);
    if (!r.vid.empty()) out += fmt::format(" vid={}", r.vid);
    out += fmt::format(" body={} sig={}", r.body_bytes, memo::to_string(r.sig));
  }
  out += fmt::format(" status={}", memo::to_string(r.status));
  if (r.reason)
    out += fmt::format(" reason={} ({})", memo::to_string(*r.reason), memo::describe(*r.reason));
  if (r.completed) out += " memo=complete";
  fmt::print("{}\n", out);
}

void print_events(memo::receiver& rx, bool verbose) {
  while (auto e = rx.poll_event()) {
    if (!verbose) continue;
    if (const auto* d = std::get_if<memo::late_drop>(&*e)) {
      fmt::print(stderr, "memo-recv: memo {} gram {}: dropped: {} ({})\n", d->mid, d->number,
                 memo::to_string(d->reason), memo::describe(d->reason));
    } else if (const auto* ev = std::get_if<memo::eviction>(&*e)) {
      fmt::print(stderr, "memo-recv: memo {}: evicted ({}), {} grams given up\n", ev->mid,
                 memo::to_string(ev->reason), ev->grams);
    }
  }
}

memo::receiver_config receiver_config(const options& o, memo::trust_store& trust) {
  if (!o.trust.empty()) {
    try {
      trust = memo::load_trust_file(o.trust);
    } catch (const memo::key_file_error& e) {
      throw cli::usage_error(e.what());
    }
  }
  if (o.max_age_s <= 0) throw cli::usage_error("--max-age must be positive");
  if (o.max_pending == 0 || o.max_pending_bytes == 0 || o.max_gram_bytes == 0)
    throw cli::usage_error(
        "--max-pending, --max-pending-bytes and --max-gram-bytes must be positive");
  memo::receiver_config config;
  config.authic = o.authic;
  config.trust = &trust;
  config.limits.max_pending_memos = o.max_pending;
  config.limits.max_pending_bytes = o.max_pending_bytes;
  config.limits.max_age =
      std::chrono::duration_cast<memo::clock::duration>(std::chrono::duration<double>(o.max_age_s));
  config.limits.max_held_grams = o.max_held;
  return config;
}

void print_stats(const memo::receiver_stats& s, std::size_t incomplete,
                 const net::memo_receive_loop* loop = nullptr) {
  fmt::print(stderr, "memo-recv: stats: received={} completed={} duplicates={} dropped={}",
             s.received, s.completed, s.duplicates, s.dropped_total());
  if (loop)
    fmt::print(stderr, " acks_sent={} acks_unsent={}", loop->acks_sent(),
               loop->acks_unsent() + s.acks_dropped);
  for (std::size_t i = 0; i < s.dropped.size(); ++i) {
    if (s.dropped[i] != 0)
      fmt::print(stderr, " dropped.{}={}", memo::to_string(static_cast<memo::drop_reason>(i)),
                 s.dropped[i]);
  }
  fmt::print(stderr, " evicted={} incomplete={}\n", s.evicted_total(), incomplete);
}

cli::exit_code read_hex(const options& o) {
  if (o.read != "hex") throw cli::usage_error("--read takes hex");
  const auto format = parse_output_format(o);
  memo::trust_store trust;
  const auto config = receiver_config(o, trust);
  memo::ack_config no_acks;
  no_acks.enabled = false;  // nobody to answer
  memo::receiver rx(config, no_acks);

  line_reader reader{stdin, 2 * o.max_gram_bytes};
  std::size_t line_number = 0;
  bool too_long = false;
  while (auto raw = reader.next(too_long)) {
    ++line_number;
    const std::string line = trim(*raw);
    if (line.empty() && !too_long) continue;
    std::optional<memo::drop_reason> early;
    std::optional<bytes> gram;
    if (too_long) {
      early = memo::drop_reason::too_large;
    } else if (!(gram = from_hex(line))) {
      early = memo::drop_reason::not_hex;
    }
    if (early) {
      rx.count_drop(*early);
      memo::gram_report r;
      r.reason = early;
      if (o.explain) print_explain(line_number, r, o.json_out);
      if (o.verbose)
        fmt::print(stderr, "memo-recv: line {}: dropped: {} ({})\n", line_number,
                   memo::to_string(*early), memo::describe(*early));
      continue;
    }
    const auto report = rx.on_gram(*gram, "-", memo::clock::now());
    if (o.explain) print_explain(line_number, report, o.json_out);
    if (o.verbose && report.status == memo::gram_status::dropped)
      fmt::print(stderr, "memo-recv: line {}: dropped: {} ({})\n", line_number,
                 memo::to_string(*report.reason), memo::describe(*report.reason));
    print_events(rx, o.verbose);
    while (auto m = rx.poll_memo())
      if (!o.explain) print_memo(*m, format, false);
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw cli::failure("cannot write stdout");

  const auto& s = rx.stats();
  if (o.stats) print_stats(s, rx.table().pending_memos());
  const std::size_t incomplete = rx.table().pending_memos();
  if (s.dropped_total() == 0 && s.evicted_total() == 0 && incomplete == 0)
    return cli::exit_code::ok;
  fmt::print(stderr, "memo-recv: {} grams read, {} dropped, {} memos evicted, {} incomplete\n",
             s.received, s.dropped_total(), s.evicted_total(), incomplete);
  return cli::exit_code::failed;
}

cli::exit_code receive(const options& o) {
  std::string why;
  const auto where = net::parse_endpoint(o.endpoint, &why);
  if (!where || !where->is_datagram())
    throw cli::usage_error(fmt::format("{}: {}; memo-recv receives on udp://HOST:PORT or uxd:PATH",
                                       o.endpoint, where ? "not a datagram endpoint" : why));
  const auto format = parse_output_format(o);
  const std::size_t count = format == output_format::raw ? 1 : o.count;
  if (o.timeout_s < 0) throw cli::usage_error("--timeout must not be negative");

  memo::trust_store trust;
  net::memo_receive_config config;
  config.where = *where;
  config.receiver = receiver_config(o, trust);
  config.acks.enabled = !o.no_ack;
  std::optional<memo::signer_identity> signer;
  if (!o.sign.empty()) {
    try {
      signer.emplace(memo::load_key_file(o.sign));
    } catch (const memo::key_file_error& e) {
      throw cli::usage_error(e.what());
    }
    config.acks.signer = &signer->key;
    config.acks.vid = signer->vid;
  }

  asio::io_context io;
  std::optional<net::memo_receive_loop> loop;
  try {
    loop.emplace(io, config);
  } catch (const std::system_error& e) {
    throw cli::failure(e.what());
  }
  // Caught before the "receiving on" line: a script that signals us once it sees that line
  // must get the clean stop (socket file removed, exit 3), not the default death.
  net::stop_signals signals(io, SIGINT, SIGTERM);
  if (!o.quiet) {
    fmt::print(stderr, "memo-recv: receiving on {}\n", net::to_string(loop->local_address()));
  }

  std::size_t delivered = 0;
  std::size_t unprintable = 0;
  bool timed_out = false;
  bool interrupted = false;
  asio::steady_timer idle_timer(io);
  const auto finish = [&] {
    loop->stop();
    idle_timer.cancel();
    signals.cancel();
  };
  const auto arm_idle_timer = [&] {
    if (o.timeout_s <= 0) return;
    idle_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(o.timeout_s)));
    idle_timer.async_wait([&](std::error_code ec) {
      if (ec) return;
      timed_out = true;
      finish();
    });
  };
  signals.async_wait([&](std::error_code ec, int) {
    if (ec) return;
    interrupted = true;
    finish();
  });
  arm_idle_timer();
  loop->start(
      [&](const memo::completed_memo& m) {
        if (!print_memo(m, format, true)) ++unprintable;
        ++delivered;
        if (count != 0 && delivered >= count) return finish();
        arm_idle_timer();
      },
      [&](const memo::gram_report& r, std::string_view source) {
        if (!o.verbose) return;
        fmt::print(stderr, "memo-recv: gram from {}: dropped: {} ({})\n", source,
                   memo::to_string(*r.reason), memo::describe(*r.reason));
      },
      [&](const memo::receiver_event& e) {
        if (!o.verbose) return;
        if (const auto* d = std::get_if<memo::late_drop>(&e)) {
          fmt::print(stderr, "memo-recv: memo {} gram {}: dropped: {} ({})\n", d->mid, d->number,
                     memo::to_string(d->reason), memo::describe(d->reason));
        } else if (const auto* ev = std::get_if<memo::eviction>(&e)) {
          fmt::print(stderr, "memo-recv: memo {}: evicted ({}), {} grams given up\n", ev->mid,
                     memo::to_string(ev->reason), ev->grams);
        }
      });
  io.run();

  if (o.stats) print_stats(loop->stats(), loop->pending_memos(), &*loop);
  if (std::ferror(stdout)) throw cli::failure("cannot write stdout");
  if (interrupted) return cli::exit_code::interrupted;
  if (timed_out) {
    fmt::print(stderr, "memo-recv: no memo completed within {} s\n", o.timeout_s);
    return cli::exit_code::failed;
  }
  return unprintable == 0 ? cli::exit_code::ok : cli::exit_code::failed;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{
      "Receive memograms (hio wire formats, every dialect and form) on a datagram endpoint, "
      "or read them as hex lines with --read hex, and print each completed memo.",
      "memo-recv"};
  cli::add_version_flag(app, "memo-recv");
  app.add_option("--read", o.read, "Read grams as hex, one per line, from stdin")
      ->option_text("hex");
  app.add_flag("--authic", o.authic, "Accept signed grams only");
  app.add_option("--trust", o.trust, "Trust file: VID VERKEY lines for D and E vids")
      ->option_text("FILE");
  app.add_flag("--json", o.json_out, "Same as --format json");
  app.add_option("--format", o.format,
                 "How memos are printed: line (default; memo + newline), netstring, json "
                 "(memo or memo_base64, src, vid, mid, dialect) or raw (one memo's bytes, "
                 "then exit)")
      ->option_text("line|netstring|json|raw");
  app.add_option("--count", o.count, "Exit 0 after N memos (default: run until a signal)")
      ->option_text("N");
  app.add_option("--timeout", o.timeout_s, "Exit 1 when no memo completes for S seconds")
      ->option_text("S");
  app.add_flag("--stats", o.stats,
               "On exit, print counts on stderr: received, completed, dropped by reason, evicted");
  app.add_flag("-q,--quiet", o.quiet, "Do not announce the bound address on stderr");
  app.add_flag("-v,--verbose", o.verbose, "One line on stderr per dropped gram or evicted memo");
  app.add_flag("--explain", o.explain,
               "Print each gram's decoded header and fate instead of the memos");
  app.add_option("--max-pending", o.max_pending, "Most partial memos held (default 1024)");
  app.add_option("--max-pending-bytes", o.max_pending_bytes,
                 "Most bytes held for partial memos (default 268435456)");
  app.add_option("--max-age", o.max_age_s, "Seconds a partial memo may wait (default 60)");
  app.add_option("--max-held", o.max_held,
                 "Most signed grams held while their zeroth gram is missing (default 1024)");
  app.add_option("--max-gram-bytes", o.max_gram_bytes,
                 "Largest gram accepted from --read hex (default 1048576)");
  app.add_flag("--no-ack", o.no_ack,
               "Do not answer sure grams with acks (by default every sure memo is acked to the "
               "address its grams came from)");
  app.add_option("--sign", o.sign, "Sign the acks of signed memos with the key in KEYFILE")
      ->option_text("KEYFILE");
  app.add_option("ENDPOINT", o.endpoint,
                 "Datagram endpoint to receive on: udp://HOST:PORT or uxd:PATH");
  return cli::run("memo-recv", app, argc, argv, [&] {
    if (!o.endpoint.empty() && !o.read.empty())
      throw cli::usage_error("give either an ENDPOINT or --read hex, not both");
    if (!o.endpoint.empty()) return receive(o);
    if (o.no_ack || !o.sign.empty())
      throw cli::usage_error("--no-ack and --sign answer sure grams on an ENDPOINT only");
    if (o.read.empty()) throw cli::usage_error("nothing to do: give an ENDPOINT or --read hex");
    return read_hex(o);
  });
}
