// A key as a partition's map holds it: up to 23 bytes inside the object itself, longer ones in
// a heap block of their own, so that a typical key costs no allocation beside its map node.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace kv {

class stored_key {
 public:
  explicit stored_key(std::string_view key);
  stored_key(const stored_key&) = delete;
  stored_key& operator=(const stored_key&) = delete;
  ~stored_key();

  // Inline: every comparison in a map lookup calls it.
  std::string_view view() const noexcept {
    if (inline_size_ != on_heap) return {storage_, inline_size_};
    heap_key heap;
    std::memcpy(&heap, storage_, sizeof heap);
    return {heap.bytes, heap.size};
  }
  std::size_t size() const noexcept { return view().size(); }

  friend bool operator==(const stored_key& a, const stored_key& b) noexcept {
    return a.view() == b.view();
  }
  friend std::strong_ordering operator<=>(const stored_key& a, const stored_key& b) noexcept {
    return a.view() <=> b.view();
  }
  friend bool operator==(const stored_key& a, std::string_view b) noexcept { return a.view() == b; }
  friend std::strong_ordering operator<=>(const stored_key& a, std::string_view b) noexcept {
    return a.view() <=> b;
  }

 private:
  static constexpr std::size_t inline_capacity = 23;
  static constexpr std::uint8_t on_heap = 0xff;
  // A longer key's bytes live on the heap; this is what of it the object holds instead.
  struct heap_key {
    char* bytes;
    std::size_t size;
  };

  alignas(heap_key) char storage_[inline_capacity];
  std::uint8_t inline_size_;  // the key's length when inline, or on_heap
};

static_assert(sizeof(stored_key) == 24, "a stored_key is as small as a pointer and a length");

}  // namespace kv
