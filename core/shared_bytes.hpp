// An immutable byte string shared by reference count, with the count, the length and the bytes
// in one heap block: a stored value costs one allocation and is never copied to be read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace kv {

class shared_bytes {
 public:
  shared_bytes() noexcept = default;
  shared_bytes(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): "no value"

  static shared_bytes copy_of(std::string_view bytes);

  shared_bytes(const shared_bytes& other) noexcept : block_(other.block_) { retain(); }
  shared_bytes(shared_bytes&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  shared_bytes& operator=(shared_bytes other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~shared_bytes() { release(); }

  explicit operator bool() const noexcept { return block_ != nullptr; }
  // Null and empty both read as no bytes; only operator bool tells them apart.
  std::string_view view() const noexcept {
    return block_ ? std::string_view(bytes(), block_->size) : std::string_view();
  }
  std::size_t size() const noexcept { return block_ ? block_->size : 0; }
  // How many handles share the bytes (0 for null): for tests and assertions, as with shared_ptr.
  std::uint32_t use_count() const noexcept {
    return block_ ? block_->references.load(std::memory_order_relaxed) : 0;
  }

  friend bool operator==(const shared_bytes& value, std::nullptr_t) noexcept {
    return !value.block_;
  }

 private:
  // The bytes follow this header in the same allocation.
  struct block {
    std::atomic<std::uint32_t> references;
    std::uint32_t size;
  };

  explicit shared_bytes(block* owned) noexcept : block_(owned) {}
  static block* allocate(std::size_t size);
  char* bytes() const noexcept { return reinterpret_cast<char*>(block_ + 1); }
  void retain() const noexcept;
  void release() noexcept;

  block* block_ = nullptr;
};

}  // namespace kv
