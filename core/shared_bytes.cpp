// Allocation and reference counting of shared_bytes blocks.
#include "core/shared_bytes.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace kv {

shared_bytes::block* shared_bytes::allocate(std::size_t size) {
  if (size > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("a value cannot be 4 GiB or longer");
  }
  void* memory = ::operator new(sizeof(block) + size);
  return new (memory) block{{1}, static_cast<std::uint32_t>(size)};
}

shared_bytes shared_bytes::copy_of(std::string_view bytes) {
  shared_bytes made(allocate(bytes.size()));
  if (!bytes.empty()) std::memcpy(made.bytes(), bytes.data(), bytes.size());
  return made;
}

void shared_bytes::retain() const noexcept {
  // Taking another reference needs no ordering: the holder already sees the bytes.
  if (block_) block_->references.fetch_add(1, std::memory_order_relaxed);
}

void shared_bytes::release() noexcept {
  if (!block_) return;
  // The last holder must see every other holder's reads finished before it frees the block.
  if (block_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    block_->~block();
    ::operator delete(block_);
  }
  block_ = nullptr;
}

}  // namespace kv
