// Holds a completion and guarantees it runs exactly once: if the message carrying it is
// dropped (its receiver died), the destructor completes it empty, so no client waits forever.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "actors/store_api.hpp"

namespace kv {

template <class T>
class reply_slot {
 public:
  explicit reply_slot(completion<T> done) : done_(std::move(done)) {}
  reply_slot(const reply_slot&) = delete;
  reply_slot& operator=(const reply_slot&) = delete;
  ~reply_slot() {
    if (done_) done_(std::nullopt);
  }

  void complete(std::optional<T> result) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }

 private:
  completion<T> done_;
};

template <class T>
using reply_slot_ptr = std::shared_ptr<reply_slot<T>>;

template <class T>
reply_slot_ptr<T> make_reply_slot(completion<T> done) {
  return std::make_shared<reply_slot<T>>(std::move(done));
}

}  // namespace kv
