#include <fmt/core.h>

#include "wirekit/net/asio.hpp"

#include "wirekit/cli/errors.hpp"
#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moatcmd/commands.hpp"
#include "wirekit/moatcmd/coproc.hpp"
#include "wirekit/moatcmd/session.hpp"

namespace wirekit::moatcmd {

cli::exit_code run_serve(const serve_options& options) {
  if (options.demo == !options.coproc.empty())
    throw cli::usage_error("serve needs exactly one of --demo and --coproc CMD");

  asio::io_context io(1);
  moat::engine engine(options.link.dialect, options.link.limits);
  moat::demo_commands demo;
  std::unique_ptr<coproc_handler> child;
  std::shared_ptr<session> link;
  cli::exit_code result = cli::exit_code::ok;
  std::string failure;
  bool stopping = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);

  auto stop = [&](cli::exit_code code, std::string why) {
    if (stopping) return;
    stopping = true;
    result = code;
    failure = std::move(why);
    signals.cancel();
    if (child) child->close();
    if (link) link->finish();
  };

  session_hooks hooks;
  if (options.demo) {
    hooks.on_event = [&](moat::engine& e, const moat::event& ev, clock::time_point now) {
      demo.on_event(e, ev, now);
    };
    hooks.on_tick = [&](moat::engine& e, clock::time_point now) { demo.on_timer(e, now); };
    hooks.next_deadline = [&] { return demo.next_deadline(); };
  } else {
    child = std::make_unique<coproc_handler>(io, options.coproc, engine);
    child->on_change = [&] {
      if (link) link->kick();
    };
    child->on_exit = [&](const std::string& why) {
      stop(why.empty() ? cli::exit_code::ok : cli::exit_code::failed, why);
    };
    hooks.on_event = [&](moat::engine& e, const moat::event& ev, clock::time_point) {
      child->on_event(e, ev);
    };
    hooks.on_tick = [&](moat::engine& e, clock::time_point) { child->on_tick(e); };
  }
  hooks.on_down = [&](const std::string& reason) {
    if (!stopping)
      stop(reason.empty() ? cli::exit_code::ok : cli::exit_code::failed,
           reason.empty() ? "" : "link failed: " + reason);
    else if (child)
      child->close();
  };
  signals.async_wait([&](std::error_code ec, int) {
    if (!ec) stop(cli::exit_code::interrupted, "");
  });

  std::error_code connect_error;
  net::async_connect_stream(io, options.link.where, options.link.stream,
                            [&](std::error_code ec, std::unique_ptr<net::byte_stream> stream) {
                              if (ec) {
                                connect_error = ec;
                                signals.cancel();
                                if (child) child->close();
                                return;
                              }
                              link = std::make_shared<session>(io, std::move(stream), engine, hooks,
                                                               options.link.trace);
                              link->start();
                            });
  if (child) child->start();
  io.run();
  if (connect_error)
    throw cli::failure(fmt::format("cannot connect to {}: {}", net::to_string(options.link.where),
                                   connect_error.message()));
  const auto& st = engine.stats();
  if (st.dropped_malformed + st.skipped_items > 0)
    fmt::print(stderr, "moatcmd: dropped {} malformed messages, skipped {} bad items\n",
               st.dropped_malformed, st.skipped_items);
  if (!failure.empty()) fmt::print(stderr, "moatcmd: {}\n", failure);
  return result;
}

}  // namespace wirekit::moatcmd
