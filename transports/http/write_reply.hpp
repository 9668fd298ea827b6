// The JSON body of a successful PUT or POST of one key, formatted without building a JSON
// document: it is on the path of every write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kv::http {

// {"created":BOOL,"key":KEY,"version":N}, the members in the order nlohmann::json writes them.
// `key` must have passed key validation: valid UTF-8 without control characters.
std::string write_reply_json(std::string_view key, std::uint64_t version, bool created);

}  // namespace kv::http
