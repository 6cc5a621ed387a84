// Big I/O buffers taken straight from mmap(2) with their pages populated in the same call.
// A fresh buffer faulted in page by page costs a trap per 4 KiB page, which on some virtual
// machines is several times the cost of populating the pages up front (measured here: 16 MiB
// faulted in 45 ms, populated in 4 ms). Contents start zeroed; not for small buffers.
#pragma once

#include <cstddef>
#include <memory>

namespace wirekit {

struct page_buffer_deleter {
  std::size_t size = 0;
  void operator()(std::byte* p) const;
};

using page_buffer = std::unique_ptr<std::byte[], page_buffer_deleter>;

// Throws std::bad_alloc when the memory cannot be had.
page_buffer make_page_buffer(std::size_t size);

}  // namespace wirekit
