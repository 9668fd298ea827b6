// Go's number syntax and error texts (strconv), %e (fmt), string escaping (encoding/json,
// strconv.Quote) and case mapping (unicode), written against Go 1.19's behaviour.
#include "core/go_format.hpp"

#include <locale.h>
#include <wctype.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/code_points.hpp"

namespace kv {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string syntax_error(std::string_view function, std::string_view text) {
  return "strconv." + std::string(function) + ": parsing " + go_quote(text) + ": invalid syntax";
}

std::string range_error(std::string_view function, std::string_view text) {
  return "strconv." + std::string(function) + ": parsing " + go_quote(text) +
         ": value out of range";
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The magnitude of a run of decimal digits, saturated past `limit`; false when `digits` is
// empty or holds anything else.
bool read_decimal(std::string_view digits, std::uint64_t limit, std::uint64_t& value) {
  if (digits.empty()) return false;
  value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return false;
    if (value <= limit) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// Go's float literal syntax without underscores: decimal with an optional exponent, or
// hexadecimal with its mandatory p exponent.
bool float_syntax(std::string_view text) {
  std::size_t at = 0;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
  const bool hex =
      text.size() >= at + 2 && text[at] == '0' && (text[at + 1] == 'x' || text[at + 1] == 'X');
  if (hex) at += 2;
  const auto mantissa_digit = hex ? is_hex_digit : is_digit;
  std::size_t digits = 0;
  while (at < text.size() && mantissa_digit(text[at])) ++at, ++digits;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && mantissa_digit(text[at])) ++at, ++digits;
  }
  if (digits == 0) return false;
  const bool has_exponent = at < text.size() && (hex ? (text[at] == 'p' || text[at] == 'P')
                                                     : (text[at] == 'e' || text[at] == 'E'));
  if (hex && !has_exponent) return false;
  if (has_exponent) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    std::size_t exponent_digits = 0;
    while (at < text.size() && is_digit(text[at])) ++at, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return at == text.size();
}

// The process may run in any locale; case mapping needs one that knows all of Unicode.
locale_t unicode_ctype() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  return locale;
}

}  // namespace

go_parsed<std::int32_t> parse_go_int32(std::string_view text) {
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  std::uint64_t magnitude = 0;
  if (!read_decimal(digits, std::uint64_t{1} << 32, magnitude)) {
    return syntax_error("ParseInt", text);
  }
  const std::uint64_t limit = negative ? std::uint64_t{1} << 31 : (std::uint64_t{1} << 31) - 1;
  if (magnitude > limit) return range_error("ParseInt", text);
  return static_cast<std::int32_t>(negative ? -static_cast<std::int64_t>(magnitude)
                                            : static_cast<std::int64_t>(magnitude));
}

go_parsed<std::uint32_t> parse_go_uint32(std::string_view text) {
  std::uint64_t value = 0;
  if (!read_decimal(text, std::uint64_t{1} << 32, value)) return syntax_error("ParseUint", text);
  if (value > std::numeric_limits<std::uint32_t>::max()) return range_error("ParseUint", text);
  return static_cast<std::uint32_t>(value);
}

go_parsed<float> parse_go_float32(std::string_view text) {
  std::string_view word = text;
  const bool negative = !word.empty() && word.front() == '-';
  if (!word.empty() && (word.front() == '-' || word.front() == '+')) word.remove_prefix(1);
  if (equals_ignoring_case(word, "inf") || equals_ignoring_case(word, "infinity")) {
    return negative ? -std::numeric_limits<float>::infinity()
                    : std::numeric_limits<float>::infinity();
  }
  if (equals_ignoring_case(text, "nan")) return std::numeric_limits<float>::quiet_NaN();
  if (!float_syntax(text)) return syntax_error("ParseFloat", text);
  // strtof rounds correctly to float32, as Go does; the copy gives it its terminating NUL.
  const std::string terminated(text);
  errno = 0;
  const float value = std::strtof(terminated.c_str(), nullptr);
  if (std::isinf(value)) return range_error("ParseFloat", text);
  return value;
}

std::string go_float_e(float value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const int length = std::snprintf(buffer, sizeof buffer, "%e", static_cast<double>(value));
  return std::string(buffer, static_cast<std::size_t>(length));
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t start = at;
    const char32_t point = next_code_point(text, at);
    const bool invalid = point == replacement_character && at - start == 1 &&
                         static_cast<unsigned char>(text[start]) >= 0x80;
    switch (point) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
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
      case '\v':
        out += "\\v";
        continue;
      default:
        break;
    }
    if (invalid || point < 0x20 || point == 0x7F) {
      const auto byte = static_cast<unsigned char>(text[start]);
      out += "\\x";
      out.push_back(hex_digits[byte >> 4]);
      out.push_back(hex_digits[byte & 15]);
    } else {
      out.append(text.substr(start, at - start));
    }
  }
  out.push_back('"');
  return out;
}

std::string go_swap_case(std::string_view text) {
  const locale_t locale = unicode_ctype();
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    auto point = static_cast<wint_t>(next_code_point(text, at));
    if (locale != nullptr && iswalpha_l(point, locale)) {
      // unicode.IsLower is category Ll alone; glibc also calls title-case letters lower.
      const bool lower = iswlower_l(point, locale) && !iswupper_l(point, locale);
      point = lower ? towupper_l(point, locale) : towlower_l(point, locale);
    } else if (locale == nullptr && point < 0x80 && std::isalpha(static_cast<int>(point))) {
      point = std::islower(static_cast<int>(point))
                  ? static_cast<wint_t>(std::toupper(static_cast<int>(point)))
                  : static_cast<wint_t>(std::tolower(static_cast<int>(point)));
    }
    append_utf8(out, static_cast<char32_t>(point));
  }
  return out;
}

// Fast doubling: fib(2k) = fib(k)(2fib(k+1) - fib(k)), fib(2k+1) = fib(k)^2 + fib(k+1)^2. It
// uses only ring operations, so unsigned arithmetic modulo 2^64 gives Go's wrapped int64.
std::int64_t go_fibonacci(std::uint64_t n) {
  std::uint64_t a = 0;  // fib(k)
  std::uint64_t b = 1;  // fib(k+1)
  for (int bit = 63; bit >= 0; --bit) {
    const std::uint64_t twice = a * (2 * b - a);
    const std::uint64_t next = a * a + b * b;
    a = twice;
    b = next;
    if ((n >> bit) & 1) {
      const std::uint64_t sum = a + b;
      a = b;
      b = sum;
    }
  }
  return static_cast<std::int64_t>(a);
}

}  // namespace kv
