#include "wirekit/common/page_buffer.hpp"

#include <sys/mman.h>

#include <new>

namespace wirekit {

void page_buffer_deleter::operator()(std::byte* p) const {
  if (p != nullptr) ::munmap(p, size);
}

page_buffer make_page_buffer(std::size_t size) {
  if (size == 0) size = 1;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return page_buffer(static_cast<std::byte*>(p), page_buffer_deleter{size});
}

}  // namespace wirekit
