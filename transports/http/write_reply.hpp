// The JSON body of a successful PUT or POST of one key, formatted without building a JSON
// document: it is on the path of every write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/value_type.hpp"

namespace kv::http {

// {"created":BOOL,"key":KEY,"version":N}, the members in the order nlohmann::json writes them.
// `key` must have passed key validation: valid UTF-8 without control characters.
std::string write_reply_json(std::string_view key, std::uint64_t version, bool created);

// {"key":KEY,"version":N,"type":T,"value":NEW}, the answer to an atomic operation: NEW is the
// stored text of a set or hash as it is (JSON already), and of a number as a JSON string.
std::string operation_reply_json(std::string_view key, std::uint64_t version, value_type type,
                                 std::string_view text);

}  // namespace kv::http
