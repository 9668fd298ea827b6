// The event JSON, written by hand in the contract's field order: it is built for every write,
// and the key is the only field that needs escaping.
#include "core/feed_event.hpp"

#include "core/base64.hpp"
#include "core/json_text.hpp"

namespace kv {
namespace {

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
  switch (change.op) {
    case change_op::put:
      json += R"({"op":"put","key":)";
      break;
    case change_op::del:
      json += R"({"op":"delete","key":)";
      break;
    case change_op::expire:
      json += R"({"op":"expire","key":)";
      break;
  }
  append_json_string(json, change.key);
  if (put) {
    json += R"(,"value":")";
    json += base64_encode(change.value.view());
    json.push_back('"');
    if (change.type != value_type::bytes) {
      json += R"(,"type":")";
      json += type_name(change.type);
      json.push_back('"');
    }
  }
  append_field(json, "version", change.version);
  append_field(json, "partition", change.partition);
  append_field(json, "seq", change.seq);
  append_field(json, "rev", rev);
  append_field(json, "ts_ms", change.ts_ms);
  json.push_back('}');
  return std::make_shared<const feed_event>(
      feed_event{change.key,
                 rev,
                 std::move(json),
                 {change.op, change.type, change.version, change.partition, change.seq,
                  change.ts_ms, change.op == change_op::put ? change.expires_at_ms : 0}});
}

// Inside a JSON string every quote is escaped, so the first `,"value":"` with a bare quote is
// the field itself: the key before it cannot hold that sequence. Base64 holds no quote.
std::string_view event_value_base64(const feed_event& event) {
  if (event.facts.op != change_op::put) return {};
  constexpr std::string_view field = R"(,"value":")";
  const std::string_view json = event.json;
  const std::size_t start = json.find(field);
  if (start == std::string_view::npos) return {};
  const std::size_t begin = start + field.size();
  const std::size_t end = json.find('"', begin);
  if (end == std::string_view::npos) return {};
  return json.substr(begin, end - begin);
}

}  // namespace kv
