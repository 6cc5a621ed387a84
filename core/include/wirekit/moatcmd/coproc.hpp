// `moatcmd serve --coproc CMD`: incoming commands, stream items and finals go to a child
// process as JSON lines; the child's lines become replies, stream items, errors and warnings.
//
// To the child:   {"event":"command","id":N,"cmd":C,"args":[…],"kw":{…},"stream":bool}
//                 {"event":"item"|"final"|"error","id":N,"data":[…]}   {"event":"closed","id":N}
// From the child: {"id":N,"result":[…]}  {"id":N,"open":[…]}  {"id":N,"item":[…]}
//                 {"id":N,"error":[…]}   {"id":N,"warn":[…]}   (each may carry "kw":{…})
// N is the peer's wire id of the conversation.
#pragma once

// A standard header before asio: asio picks its aligned allocator from what libstdc++ has
// declared, and every translation unit must pick the same one (ASan checks new/free pairs).
#include <cstddef>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include "wirekit/net/asio.hpp"

#include "wirekit/moat/engine.hpp"
#include "wirekit/net/byte_stream.hpp"

namespace wirekit::moatcmd {

class coproc_handler {
 public:
  coproc_handler(asio::io_context& io, std::string command, moat::engine& engine);
  ~coproc_handler();

  void start();
  void on_event(moat::engine& e, const moat::event& ev);
  void on_tick(moat::engine& e);
  void close();

  std::function<void()> on_change;                      // the engine has output
  std::function<void(const std::string& why)> on_exit;  // the child went away

 private:
  void read();
  void write_line(std::string line);
  void flush();
  bool apply(moat::engine& e, const std::string& line);  // false: retry later

  asio::io_context& io_;
  std::string command_;
  moat::engine& engine_;
  std::unique_ptr<net::byte_stream> child_;
  std::string in_buf_;
  std::vector<char> chunk_;
  std::deque<std::string> held_;  // child lines waiting for stream credit or output room
  std::string out_queue_;
  std::string writing_buf_;
  bool writing_ = false;
  bool reading_ = false;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace wirekit::moatcmd
