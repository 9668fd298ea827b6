// Where a stored_key keeps its bytes: inside itself or in a heap block.
#include "core/stored_key.hpp"

#include <cstring>

namespace kv {

stored_key::stored_key(std::string_view key) {
  if (key.size() <= inline_capacity) {
    std::memcpy(storage_, key.data(), key.size());
    inline_size_ = static_cast<std::uint8_t>(key.size());
    return;
  }
  const heap_key heap{new char[key.size()], key.size()};
  std::memcpy(heap.bytes, key.data(), key.size());
  std::memcpy(storage_, &heap, sizeof heap);
  inline_size_ = on_heap;
}

stored_key::~stored_key() {
  if (inline_size_ != on_heap) return;
  heap_key heap;
  std::memcpy(&heap, storage_, sizeof heap);
  delete[] heap.bytes;
}

}  // namespace kv
