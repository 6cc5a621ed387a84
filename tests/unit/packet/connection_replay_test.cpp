#include <catch2/catch.hpp>

#include "fields.hpp"
#include "replay.hpp"
#include "support/vectors.hpp"

using namespace wirekit;
using wirekit::test::json;

namespace {

const std::vector<std::string>& conversation_files() {
  static const auto files = wirekit::test::vector_files("packet/conversations");
  return files;
}

bool is_probe(const std::string& file) {
  return file.find("/probe_") != std::string::npos;
}

}  // namespace

TEST_CASE("every conversation line decodes to its recorded fields",
          "[packet][vectors][conversation]") {
  std::size_t checked = 0;
  std::size_t lines = 0;
  for (const auto& file : conversation_files()) {
    const auto conv = wirekit::test::load_vectors(file);
    lines += conv.size();
    for (const auto& line : conv) {
      const auto wire = wirekit::test::hex_bytes(line["hex"]);
      const auto& decoded = line["decoded"];
      const auto d = packet::decode(wire);
      INFO(file << ": " << line["hex"].get<std::string>());
      if (decoded.contains("malformed")) {
        CHECK(d.status == packet::decode_status::bad);
      } else if (decoded.contains("incomplete")) {
        CHECK(d.status == packet::decode_status::need_more);
      } else {
        REQUIRE(d.status == packet::decode_status::complete);
        CHECK(d.consumed == wire.size());
        wirekit::test::check_fields(d.value, decoded);
      }
      ++checked;
    }
  }
  CHECK(conversation_files().size() == 16);
  CHECK(checked == lines);
  CHECK(checked == 123);
}

// The client's bytes go to a demo server in capture order. Quick handlers answer at once;
// where the capture shows the server answering while our engine still owes a slow answer,
// time passes on the virtual clock. The server's packets must equal the capture's s2c
// packets, in order.
TEST_CASE("demo server engine answers every conversation like the reference server",
          "[packet][vectors][conversation]") {
  std::size_t replayed = 0;
  for (const auto& file : conversation_files()) {
    DYNAMIC_SECTION(file) {
      wirekit::test::demo_server server;
      std::vector<std::string> expected;
      for (const auto& line : wirekit::test::load_vectors(file)) {
        if (line["dir"] == "c2s") {
          server.receive(wirekit::test::hex_bytes(line["hex"]));
        } else {
          expected.push_back(line["hex"]);
          while (server.packets_out().size() < expected.size() && server.has_slow())
            server.complete_next();
        }
      }
      server.receive_end();  // the client's side of the capture is over
      while (server.has_slow())
        server.complete_next();
      CHECK(server.packets_out() == expected);
      CHECK(server.conn.finished());
      CHECK(server.conn.inflight() == 0);
    }
    ++replayed;
  }
  CHECK(replayed == 16);
}

// The library client's requests, ERQ and EOF, made by our engine from the decoded fields:
// same bytes; and the server's packets, fed back, give one response per request.
TEST_CASE("client engine sends the reference client's bytes in every library conversation",
          "[packet][vectors][conversation]") {
  std::size_t replayed = 0;
  for (const auto& file : conversation_files()) {
    if (is_probe(file)) continue;
    DYNAMIC_SECTION(file) {
      const auto conv = wirekit::test::load_vectors(file);
      packet::connection_config config;
      config.accepts_requests = false;
      packet::connection client(config);
      std::string expected_c2s, sent_c2s;
      std::vector<packet::event> responses;
      std::size_t expected_responses = 0;
      auto drain = [&] {
        bytes out;
        client.take_output(out);
        sent_c2s += to_hex(out);
        while (auto e = client.poll_event()) {
          if (e->kind == packet::event_kind::response) responses.push_back(std::move(*e));
          CHECK(e->kind != packet::event_kind::request_failed);
          CHECK(e->kind != packet::event_kind::notice);
        }
      };
      for (std::size_t i = 0; i < conv.size(); ++i) {
        const auto& line = conv[i];
        const auto& d = line["decoded"];
        if (line["dir"] == "s2c") {
          if (!d.contains("control")) ++expected_responses;
          client.receive(wirekit::test::hex_bytes(line["hex"]));
          drain();
          continue;
        }
        expected_c2s += line["hex"].get<std::string>();
        if (d.contains("control") && d["control"] == "ERQ") {
          const bool last = i + 1 < conv.size() && conv[i + 1]["dir"] == "c2s" &&
                            conv[i + 1]["decoded"].value("control", "") == "EOF";
          if (last) {
            client.close();
          } else {
            client.send_erq();
          }
        } else if (!d.contains("control")) {
          bytes payload;
          const auto p = wirekit::test::packet_from_fields(d, payload);
          const auto r = client.submit(p.user_rq_type(), p.flags, p.payload, p.channel);
          REQUIRE(r.status == packet::submit_status::ok);
          CHECK(r.tag == p.tag);
        }
        drain();
      }
      CHECK(sent_c2s == expected_c2s);
      CHECK(responses.size() == expected_responses);
      CHECK(client.pending() == 0);
      CHECK(client.finished());
    }
    ++replayed;
  }
  CHECK(replayed == 6);
}
