// The three encoders share one UTF-8 reader and differ in what they escape and how they write
// numbers and separators.
#include "core/json_styles.hpp"

#include <charconv>
#include <cstdint>

namespace kv {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char32_t replacement = 0xFFFD;

// One code point of `text` at `at`: its value and length, or U+FFFD and length 1 for a byte
// that does not start a valid sequence (overlong forms and surrogates included), as Go's
// utf8.DecodeRuneInString reads it.
struct code_point {
  char32_t value;
  std::size_t length;
};

code_point read_code_point(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const auto continuation = [&](std::size_t i) {
    return at + i < text.size() && (byte(i) & 0xC0) == 0x80;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  if (lead >= 0xC2 && lead <= 0xDF && continuation(1)) {
    return {char32_t(lead & 0x1F) << 6 | (byte(1) & 0x3F), 2};
  }
  if (lead >= 0xE0 && lead <= 0xEF && continuation(1) && continuation(2)) {
    const char32_t value =
        char32_t(lead & 0x0F) << 12 | char32_t(byte(1) & 0x3F) << 6 | (byte(2) & 0x3F);
    if (value >= 0x800 && (value < 0xD800 || value > 0xDFFF)) return {value, 3};
  }
  if (lead >= 0xF0 && lead <= 0xF4 && continuation(1) && continuation(2) && continuation(3)) {
    const char32_t value = char32_t(lead & 0x07) << 18 | char32_t(byte(1) & 0x3F) << 12 |
                           char32_t(byte(2) & 0x3F) << 6 | (byte(3) & 0x3F);
    if (value >= 0x10000 && value <= 0x10FFFF) return {value, 4};
  }
  return {replacement, 1};
}

void append_u_escape(std::string& out, char32_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex_digits[(unit >> shift) & 15]);
}

void append_utf8(std::string& out, char32_t value) {
  if (value < 0x80) {
    out.push_back(static_cast<char>(value));
  } else if (value < 0x800) {
    out.push_back(static_cast<char>(0xC0 | value >> 6));
    out.push_back(static_cast<char>(0x80 | (value & 0x3F)));
  } else if (value < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | value >> 12));
    out.push_back(static_cast<char>(0x80 | (value >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (value & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | value >> 18));
    out.push_back(static_cast<char>(0x80 | (value >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (value >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (value & 0x3F)));
  }
}

// Python's short escapes, \b and \f included (Go 1.19 writes those two as \u00xx).
bool append_python_short_escape(std::string& out, char32_t c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return true;
    case '\\':
      out += "\\\\";
      return true;
    case '\n':
      out += "\\n";
      return true;
    case '\r':
      out += "\\r";
      return true;
    case '\t':
      out += "\\t";
      return true;
    case '\b':
      out += "\\b";
      return true;
    case '\f':
      out += "\\f";
      return true;
    default:
      return false;
  }
}

void append_python_string(std::string& out, std::string_view text, bool ensure_ascii) {
  out.push_back('"');
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, length] = read_code_point(text, at);
    at += length;
    if (append_python_short_escape(out, c)) continue;
    if (c < 0x20 || (ensure_ascii && c > 0x7E)) {
      if (c > 0xFFFF) {
        const char32_t offset = c - 0x10000;
        append_u_escape(out, 0xD800 | offset >> 10);
        append_u_escape(out, 0xDC00 | (offset & 0x3FF));
      } else {
        append_u_escape(out, c);
      }
      continue;
    }
    append_utf8(out, c);
  }
  out.push_back('"');
}

// The shortest digits that read back as `value`, and the power of ten of the first of them:
// value = 0.d1d2d3... * 10^(exponent + 1).
struct shortest_digits {
  bool negative = false;
  std::string digits;
  int exponent = 0;
};

shortest_digits digits_of(double value) {
  char buffer[64];
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  shortest_digits result;
  std::size_t at = 0;
  if (text[at] == '-') {
    result.negative = true;
    ++at;
  }
  const std::size_t e = text.find('e');
  for (; at < e; ++at) {
    if (text[at] != '.') result.digits.push_back(text[at]);
  }
  std::string_view exponent = text.substr(e + 1);
  if (exponent.front() == '+') exponent.remove_prefix(1);
  std::from_chars(exponent.data(), exponent.data() + exponent.size(), result.exponent);
  return result;
}

// digits and exponent in plain decimal notation, without a '.' for whole numbers.
std::string fixed_text(const shortest_digits& number) {
  std::string out = number.negative ? "-" : "";
  const int count = static_cast<int>(number.digits.size());
  if (number.exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-number.exponent - 1), '0');
    out += number.digits;
  } else if (number.exponent >= count - 1) {
    out += number.digits;
    out.append(static_cast<std::size_t>(number.exponent - (count - 1)), '0');
  } else {
    out += number.digits.substr(0, static_cast<std::size_t>(number.exponent) + 1);
    out += '.';
    out += number.digits.substr(static_cast<std::size_t>(number.exponent) + 1);
  }
  return out;
}

// d.ddde±XX: at least two exponent digits, as both Go's and Python's 'e' forms write it.
std::string exponent_text(const shortest_digits& number) {
  std::string out = number.negative ? "-" : "";
  out += number.digits.front();
  if (number.digits.size() > 1) {
    out += '.';
    out += number.digits.substr(1);
  }
  out += number.exponent < 0 ? "e-" : "e+";
  const int magnitude = number.exponent < 0 ? -number.exponent : number.exponent;
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
  return out;
}

void append_go_json(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [name, member] : value.items()) {
        if (!first) out.push_back(',');
        first = false;
        append_go_json_string(out, name);
        out.push_back(':');
        append_go_json(out, member);
      }
      out.push_back('}');
      return;
    }
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_go_json(out, value[i]);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::json::value_t::string:
      return append_go_json_string(out, value.get_ref<const std::string&>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      out += go_float_text(value.get<double>());
      return;
    default:  // null, booleans
      out += value.dump();
      return;
  }
}

void append_py_json(std::string& out, const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [name, member] : value.items()) {
        if (!first) out += ", ";
        first = false;
        append_py_json_string(out, name);
        out += ": ";
        append_py_json(out, member);
      }
      out.push_back('}');
      return;
    }
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ", ";
        append_py_json(out, value[i]);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::json::value_t::string:
      return append_py_json_string(out, value.get_ref<const std::string&>());
    case nlohmann::json::value_t::number_float:
      out += python_float_text(value.get<double>());
      return;
    default:  // null, booleans, integers: nlohmann writes them as Python does
      out += value.dump();
      return;
  }
}

}  // namespace

void append_go_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, length] = read_code_point(text, at);
    at += length;
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    const bool invalid = c == replacement && length == 1;
    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029 || invalid) {
      append_u_escape(out, c);
    } else {
      append_utf8(out, c);
    }
  }
  out.push_back('"');
}

void append_py_json_string(std::string& out, std::string_view text) {
  append_python_string(out, text, true);
}

void append_compact_json_string(std::string& out, std::string_view text) {
  append_python_string(out, text, false);
}

std::string go_float_text(double value) {
  const shortest_digits number = digits_of(value);
  const double magnitude = value < 0 ? -value : value;
  if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
    std::string text = exponent_text(number);
    // Go writes e-07 as e-7; its 'e' form never has a positive exponent below 21.
    const std::size_t n = text.size();
    if (text[n - 3] == '-' && text[n - 2] == '0') text.erase(n - 2, 1);
    return text;
  }
  return fixed_text(number);
}

std::string python_float_text(double value) {
  const shortest_digits number = digits_of(value);
  // Python's repr switches to the exponent form when the decimal point would be more than 16
  // digits right of the first digit, or 4 or more zeros would follow it.
  const int point = number.exponent + 1;
  if (value != 0 && (point <= -4 || point > 16)) return exponent_text(number);
  std::string text = fixed_text(number);
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

std::string go_json_text(const nlohmann::json& document) {
  std::string out;
  append_go_json(out, document);
  return out;
}

std::string py_json_text(const nlohmann::ordered_json& document) {
  std::string out;
  append_py_json(out, document);
  return out;
}

}  // namespace kv
