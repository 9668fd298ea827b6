// Py-JSON strings and str()/repr() of decoded JSON values, as CPython 3 writes them.
#include "core/python_format.hpp"

#include <charconv>
#include <cstdint>

#include "core/code_points.hpp"
#include "core/json_styles.hpp"

namespace kv {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, char32_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex_digits[(unit >> shift) & 15]);
}

// repr() of a str: single quotes unless the text holds a ' and no ", escapes for the
// characters str.isprintable() refuses (control characters, and the separators and
// non-breaking space of Latin-1 and general punctuation, which is where clients meet them).
void append_python_repr_string(std::string& out, std::string_view text) {
  const bool double_quoted =
      text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos;
  const char quote = double_quoted ? '"' : '\'';
  out.push_back(quote);
  for (std::size_t at = 0; at < text.size();) {
    const char32_t point = next_code_point(text, at);
    if (point == static_cast<char32_t>(quote) || point == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(point));
    } else if (point == '\n') {
      out += "\\n";
    } else if (point == '\r') {
      out += "\\r";
    } else if (point == '\t') {
      out += "\\t";
    } else if (point < 0x20 || (point >= 0x7F && point <= 0xA0) || point == 0xAD) {
      out += "\\x";
      out.push_back(hex_digits[point >> 4]);
      out.push_back(hex_digits[point & 15]);
    } else if ((point >= 0x2000 && point <= 0x200F) || (point >= 0x2028 && point <= 0x202F) ||
               point == 0xFEFF) {
      append_u_escape(out, point);
    } else {
      append_utf8(out, point);
    }
  }
  out.push_back(quote);
}

void append_python_repr(std::string& out, const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::string:
      return append_python_repr_string(out, value.get_ref<const std::string&>());
    case nlohmann::ordered_json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ", ";
        first = false;
        append_python_repr(out, item);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::ordered_json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [name, item] : value.items()) {
        if (!first) out += ", ";
        first = false;
        append_python_repr_string(out, name);
        out += ": ";
        append_python_repr(out, item);
      }
      out.push_back('}');
      return;
    }
    default:
      out += python_str(value);
  }
}

}  // namespace

std::string python_str(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::string:
      return value.get<std::string>();
    case nlohmann::ordered_json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case nlohmann::ordered_json::value_t::null:
      return "None";
    case nlohmann::ordered_json::value_t::number_integer:
      return std::to_string(value.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case nlohmann::ordered_json::value_t::number_float:
      return python_float_text(value.get<double>());
    default: {
      std::string out;
      append_python_repr(out, value);
      return out;
    }
  }
}

}  // namespace kv
