// The event JSON, written by hand in the contract's field order: it is built for every write,
// and the key is the only field that needs escaping.
#include "core/feed_event.hpp"

#include <charconv>
#include <iterator>

#include "core/base64.hpp"
#include "core/json_text.hpp"

namespace kv {
namespace {

// Every field after the value is a name and a number: appended with to_chars, so that no
// number becomes a string of its own.
template <class Number>
void append_field(std::string& out, std::string_view name, Number value) {
  out += name;
  char digits[20];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
  out.append(digits, end);
}

void append_value(std::string& out, std::string_view bytes) {
  const std::size_t at = out.size();
  out.resize(at + base64_size(bytes.size()));
  base64_encode_to(bytes, out.data() + at);
}

}  // namespace

feed_event_ptr make_feed_event(applied_change change, std::uint64_t rev) {
  const bool put = change.op == change_op::put;
  std::string json;
  // The fixed text and the numbers take less than 160 bytes; a key needs escaping rarely.
  json.reserve(160 + change.key.size() + (put ? base64_size(change.value.size()) : 0));
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
    append_value(json, change.value.view());
    json.push_back('"');
    if (change.type != value_type::bytes) {
      json += R"(,"type":")";
      json += type_name(change.type);
      json.push_back('"');
    }
  }
  append_field(json, R"(,"version":)", change.version);
  append_field(json, R"(,"partition":)", change.partition);
  append_field(json, R"(,"seq":)", change.seq);
  append_field(json, R"(,"rev":)", rev);
  append_field(json, R"(,"ts_ms":)", change.ts_ms);
  json.push_back('}');
  return std::make_shared<const feed_event>(
      feed_event{std::move(change.key),
                 rev,
                 std::move(json),
                 {change.op, change.type, change.version, change.partition, change.seq,
                  change.ts_ms, put ? change.expires_at_ms : 0}});
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
