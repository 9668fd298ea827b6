// The event JSON, written by hand in the contract's field order: it is built for every write,
// and the key is the only field that needs escaping.
#include "core/feed_event.hpp"

#include <charconv>
#include <cstring>

#include "core/base64.hpp"

namespace kv {
namespace {

// Writes into memory sized beforehand for the longest text the event can have: no append
// checks capacity, and the string is allocated once.
struct json_writer {
  char* next;

  void text(std::string_view part) {
    std::memcpy(next, part.data(), part.size());
    next += part.size();
  }
  template <class Number>
  void field(std::string_view name, Number value) {
    text(name);
    next = std::to_chars(next, next + max_digits, value).ptr;
  }
  // Keys rarely hold a byte to escape: the plain runs between such bytes are copied whole.
  void quoted(std::string_view key) {
    static constexpr char hex[] = "0123456789abcdef";
    *next++ = '"';
    std::size_t plain_from = 0;
    for (std::size_t i = 0; i < key.size(); ++i) {
      const auto byte = static_cast<unsigned char>(key[i]);
      if (!needs_escape(byte)) continue;
      text(key.substr(plain_from, i - plain_from));
      plain_from = i + 1;
      if (byte == '"' || byte == '\\') {
        *next++ = '\\';
        *next++ = static_cast<char>(byte);
      } else {
        text("\\u00");
        *next++ = hex[byte >> 4];
        *next++ = hex[byte & 15];
      }
    }
    text(key.substr(plain_from));
    *next++ = '"';
  }

  static constexpr std::size_t max_digits = 20;  // of an int64 or uint64, sign included
  static bool needs_escape(unsigned char byte) {
    return byte == '"' || byte == '\\' || byte < 0x20 || byte == 0x7f;
  }
};

// Room for the names, quotes and type (under 100 bytes) and five numbers, without the key and
// value.
constexpr std::size_t fixed_room = 128 + 5 * json_writer::max_digits;

}  // namespace

feed_event_ptr make_feed_event(applied_change change, std::uint64_t rev) {
  const bool put = change.op == change_op::put;
  // An escaped byte takes at most six.
  const std::size_t room =
      fixed_room + 2 + 6 * change.key.size() + (put ? base64_size(change.value.size()) : 0);
  std::string json(room, '\0');
  json_writer out{json.data()};
  switch (change.op) {
    case change_op::put:
      out.text(R"({"op":"put","key":)");
      break;
    case change_op::del:
      out.text(R"({"op":"delete","key":)");
      break;
    case change_op::expire:
      out.text(R"({"op":"expire","key":)");
      break;
  }
  out.quoted(change.key);
  if (put) {
    out.text(R"(,"value":")");
    base64_encode_to(change.value.view(), out.next);
    out.next += base64_size(change.value.size());
    *out.next++ = '"';
    if (change.type != value_type::bytes) {
      out.text(R"(,"type":")");
      out.text(type_name(change.type));
      *out.next++ = '"';
    }
  }
  out.field(R"(,"version":)", change.version);
  out.field(R"(,"partition":)", change.partition);
  out.field(R"(,"seq":)", change.seq);
  out.field(R"(,"rev":)", rev);
  out.field(R"(,"ts_ms":)", change.ts_ms);
  *out.next++ = '}';
  json.resize(static_cast<std::size_t>(out.next - json.data()));
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
