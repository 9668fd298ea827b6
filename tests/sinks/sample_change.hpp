// Shared by the change-log row tests: an applied change with fixed numbers, so that the rows
// they check can be written out in full.
#pragma once

#include <string>
#include <utility>

#include "core/feed_event.hpp"

namespace kv::changelog {

inline applied_change sample_change(change_op op, std::string key, std::string value) {
  applied_change c;
  c.op = op;
  c.key = std::move(key);
  if (op == change_op::put) c.value = shared_bytes::copy_of(value);
  c.version = 3;
  c.partition = 7;
  c.seq = 11;
  c.ts_ms = 1714564800123;
  return c;
}

}  // namespace kv::changelog
