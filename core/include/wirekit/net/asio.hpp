// Include asio through this header. asio picks aligned_alloc/free or new/delete for its
// handler memory by a libstdc++ macro that exists only once a standard header has been
// included; a translation unit that includes <asio.hpp> first would choose differently from
// the others (an ODR violation that ASan reports as alloc-dealloc-mismatch).
#pragma once

#include <cstdlib>

#include <asio.hpp>
