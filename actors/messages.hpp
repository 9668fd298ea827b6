// The messages between the store_api, the routers and the partitions.
// They are local-only: values travel as shared pointers and replies as callbacks.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/reply_slot.hpp"
#include "actors/store_api.hpp"
#include "core/partition_store.hpp"

namespace kv {

// Router -> partition requests; each partition handler returns the matching reply type.
struct get_request {
  std::string key;
};
struct put_request {
  std::string key;
  value_ptr value;
  std::optional<std::uint64_t> expected_version;
};
struct delete_request {
  std::string key;
  std::optional<std::uint64_t> expected_version;
};
struct put_all_request {
  key_value_list pairs;
};
struct scan_request {
  scan_query query;
};
struct stats_request {};
struct partition_stats {
  std::size_t keys = 0;
  std::size_t bytes = 0;
  std::size_t queue_depth = 0;
};

// store_api -> router operations: a request plus the slot its answer goes to.
template <class Request, class Result>
struct operation {
  Request request;
  reply_slot_ptr<Result> reply;
};
using get_operation = operation<get_request, stored_value>;
using put_operation = operation<put_request, put_outcome>;
using delete_operation = operation<delete_request, delete_outcome>;
using put_all_operation = operation<put_all_request, std::size_t>;
using list_operation = operation<scan_request, list_page>;
using partitions_operation = operation<stats_request, std::vector<partition_info>>;

}  // namespace kv

// Node-to-node links will need a wire format of their own; these types never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::get_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::delete_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_all_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::scan_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::stats_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::partition_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::stored_value)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::delete_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::scan_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::get_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::delete_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_all_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::list_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::partitions_operation)
