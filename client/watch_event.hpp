// One change-feed event (contract section 3) as kvctl reads it: the fields it prints and the
// ones it checks for lost events, taken from the JSON the node sent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kv::client {

struct watch_event {
  bool is_put = false;  // else a delete
  std::string key;
  std::string value;  // decoded bytes; empty for a delete
  std::uint64_t partition = 0;
  std::uint64_t seq = 0;
  std::uint64_t rev = 0;
  bool expired = false;  // a delete because the key's expiry deadline passed
};

// Throws std::runtime_error naming what is wrong when `json_text` is not an event.
watch_event parse_watch_event(std::string_view json_text);

}  // namespace kv::client
