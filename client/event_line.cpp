// Escaping for watch lines. Valid UTF-8 passes through so that text reads naturally; control
// characters never reach the terminal, where they could move the cursor or fake a line.
#include "client/event_line.hpp"

#include "core/key.hpp"

namespace kv::client {
namespace {

void append_hex_escape(std::string& out, unsigned char byte) {
  static constexpr char hex_digits[] = "0123456789abcdef";
  out += "\\x";
  out.push_back(hex_digits[byte >> 4]);
  out.push_back(hex_digits[byte & 15]);
}

// The length of the UTF-8 sequence its lead byte announces; 0 for a byte no sequence starts
// with.
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// U+0080 to U+009F, the C1 controls, encode as C2 80 to C2 9F.
bool is_c1_control(std::string_view sequence) {
  return sequence.size() == 2 && static_cast<unsigned char>(sequence[0]) == 0xC2 &&
         static_cast<unsigned char>(sequence[1]) <= 0x9F;
}

void append_ascii(std::string& out, unsigned char byte, bool escape_space) {
  switch (byte) {
    case '\\':
      out += "\\\\";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  if (byte < 0x20 || byte == 0x7F || (escape_space && byte == ' ')) {
    append_hex_escape(out, byte);
  } else {
    out.push_back(static_cast<char>(byte));
  }
}

}  // namespace

std::string escape_for_line(std::string_view bytes, bool escape_space) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte < 0x80) {
      append_ascii(out, byte, escape_space);
      ++i;
      continue;
    }
    const std::string_view sequence = bytes.substr(i, sequence_length(byte));
    if (sequence.empty() || !is_valid_utf8(sequence) || is_c1_control(sequence)) {
      // Only this byte: the next one may start a valid sequence of its own.
      append_hex_escape(out, byte);
      ++i;
      continue;
    }
    out += sequence;
    i += sequence.size();
  }
  return out;
}

std::string event_line(const watch_event& event) {
  if (event.expired) return "EXPIRE " + escape_for_line(event.key, true);
  if (!event.is_put) return "DELETE " + escape_for_line(event.key, true);
  return "PUT " + escape_for_line(event.key, true) + " " + escape_for_line(event.value, false);
}

}  // namespace kv::client
