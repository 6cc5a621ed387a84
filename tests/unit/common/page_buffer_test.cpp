#include "wirekit/common/page_buffer.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <new>

using namespace wirekit;

TEST_CASE("a page buffer is zeroed writable memory of the size asked", "[common][page_buffer]") {
  for (const std::size_t size : {std::size_t{1}, std::size_t{4096}, std::size_t{300000}}) {
    auto b = make_page_buffer(size);
    REQUIRE(b);
    CHECK(b.get_deleter().size == size);
    CHECK(b[0] == std::byte{0});
    CHECK(b[size - 1] == std::byte{0});
    std::memset(b.get(), 0x5a, size);
    CHECK(b[size / 2] == std::byte{0x5a});
  }
  auto none = make_page_buffer(0);  // still a buffer: a read into it asks for 0 bytes
  CHECK(none);
}

TEST_CASE("a page buffer too big to map is refused with bad_alloc", "[common][page_buffer]") {
  CHECK_THROWS_AS(make_page_buffer(std::size_t{1} << 62), std::bad_alloc);
}
