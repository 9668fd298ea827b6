// The event JSON, written by hand in the contract's field order: it is built for every write,
// and the key is the only field that needs escaping.
#include "core/feed_event.hpp"

#include "core/base64.hpp"

namespace kv {
namespace {

// Keys are valid UTF-8 without control characters, so only '"' and '\' need escaping; control
// characters are escaped anyway so that the JSON stays valid whatever a caller passes.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\u00";
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

template <class Number>
void append_field(std::string& out, std::string_view name, Number value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

}  // namespace

feed_event_ptr make_feed_event(const applied_change& change, std::uint64_t rev) {
  const bool put = change.op == change_op::put;
  std::string json;
  json.reserve(128 + change.key.size() + (put ? change.value.size() / 3 * 4 + 4 : 0));
  json += put ? R"({"op":"put","key":)" : R"({"op":"delete","key":)";
  append_json_string(json, change.key);
  if (put) {
    json += R"(,"value":")";
    json += base64_encode(change.value.view());
    json.push_back('"');
  }
  append_field(json, "version", change.version);
  append_field(json, "partition", change.partition);
  append_field(json, "seq", change.seq);
  append_field(json, "rev", rev);
  append_field(json, "ts_ms", change.ts_ms);
  json.push_back('}');
  return std::make_shared<const feed_event>(feed_event{change.key, rev, std::move(json)});
}

}  // namespace kv
