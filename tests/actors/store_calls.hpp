// Shared by the actor tests: turning a store_api or feed_api call with a completion callback
// into a blocking one, and making values.
#pragma once

#include <future>
#include <memory>
#include <optional>
#include <string>

#include "core/partition_store.hpp"

namespace kv {

inline shared_bytes text(std::string s) {
  return shared_bytes::copy_of(s);
}

// Runs one call and waits for its completion.
template <class T, class Call>
std::optional<T> await(Call call) {
  std::promise<std::optional<T>> promise;
  auto future = promise.get_future();
  call([&promise](std::optional<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

}  // namespace kv
