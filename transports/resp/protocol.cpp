// The RESP2 request parser and reply encoders, with the error wording of Redis's networking.c.
#include "transports/resp/protocol.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace kv::resp {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Redis's sdssplitargs: arguments separated by spaces; "double quotes" with backslash escapes
// (n, r, t, b, a, a quote, a backslash, xHH), 'single quotes' with only \' escaped; a closing
// quote must end the argument. False for unbalanced quotes.
bool split_inline(std::string_view line, std::vector<std::string>& out) {
  std::size_t p = 0;
  const std::size_t end = line.size();
  auto at = [&](std::size_t i) { return i < end ? line[i] : '\0'; };
  for (;;) {
    while (p < end && is_space(line[p])) ++p;
    if (p >= end) return true;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    std::string current;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && hex_value(at(p + 2)) >= 0 &&
            hex_value(at(p + 3)) >= 0) {
          current += static_cast<char>(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3)));
          p += 3;
        } else if (c == '\\' && p + 1 < end) {
          ++p;
          switch (line[p]) {
            case 'n':
              current += '\n';
              break;
            case 'r':
              current += '\r';
              break;
            case 't':
              current += '\t';
              break;
            case 'b':
              current += '\b';
              break;
            case 'a':
              current += '\a';
              break;
            default:
              current += line[p];
              break;
          }
        } else if (c == '"') {
          if (p + 1 < end && !is_space(line[p + 1])) return false;
          done = true;
        } else if (p >= end) {
          return false;
        } else {
          current += c;
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current += '\'';
        } else if (c == '\'') {
          if (p + 1 < end && !is_space(line[p + 1])) return false;
          done = true;
        } else if (p >= end) {
          return false;
        } else {
          current += c;
        }
      } else if (p >= end || is_space(c) || c == '\0') {
        done = true;
      } else if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        current += c;
      }
      if (p < end) ++p;
    }
    out.push_back(std::move(current));
  }
}

void append_decimal(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  const bool negative = text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  if (negative && digits == "0") return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  if (text.empty() || text.size() > 5000 || is_space(text.front()) || is_space(text.back())) {
    return std::nullopt;
  }
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

void command_parser::reset() {
  expected_ = -1;
  position_ = 0;
  bulk_length_ = -1;
  spans_.clear();
}

parse_status command_parser::fail(std::string message) {
  error_ = std::move(message);
  reset();
  return parse_status::error;
}

parse_status command_parser::parse(std::string_view input) {
  args_.clear();
  consumed_ = 0;
  needed_ = 0;
  if (input.empty()) return parse_status::incomplete;
  if (expected_ < 0 && input.front() != '*') return parse_inline(input);
  return parse_multibulk(input);
}

parse_status command_parser::parse_inline(std::string_view input) {
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() > limits_.max_inline_bytes) {
      return fail("ERR Protocol error: too big inline request");
    }
    return parse_status::incomplete;
  }
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  unescaped_.clear();
  if (!split_inline(line, unescaped_)) {
    return fail("ERR Protocol error: unbalanced quotes in request");
  }
  consumed_ = newline + 1;
  if (unescaped_.empty()) return parse_status::empty;
  for (const auto& arg : unescaped_) args_.emplace_back(arg);
  return parse_status::complete;
}

parse_status command_parser::parse_multibulk(std::string_view input) {
  if (expected_ < 0) {
    const std::size_t cr = input.find('\r', 1);
    if (cr == std::string_view::npos || cr + 1 >= input.size()) {
      if (input.size() > limits_.max_inline_bytes) {
        return fail("ERR Protocol error: too big mbulk count string");
      }
      return parse_status::incomplete;
    }
    const auto count = parse_integer(input.substr(1, cr - 1));
    if (!count || *count > static_cast<std::int64_t>(limits_.max_arguments)) {
      return fail("ERR Protocol error: invalid multibulk length");
    }
    position_ = cr + 2;
    if (*count <= 0) {
      consumed_ = position_;
      reset();
      return parse_status::empty;
    }
    expected_ = *count;
    spans_.reserve(static_cast<std::size_t>(std::min<std::int64_t>(expected_, 1024)));
  }
  while (spans_.size() < static_cast<std::size_t>(expected_)) {
    if (bulk_length_ < 0) {
      if (position_ >= input.size()) return parse_status::incomplete;
      if (input[position_] != '$') {
        return fail(std::string("ERR Protocol error: expected '$', got '") + input[position_] +
                    "'");
      }
      const std::size_t cr = input.find('\r', position_);
      if (cr == std::string_view::npos || cr + 1 >= input.size()) {
        if (input.size() - position_ > limits_.max_inline_bytes) {
          return fail("ERR Protocol error: too big bulk count string");
        }
        return parse_status::incomplete;
      }
      const auto length = parse_integer(input.substr(position_ + 1, cr - position_ - 1));
      if (!length || *length < 0 || static_cast<std::uint64_t>(*length) > limits_.max_bulk_bytes) {
        return fail("ERR Protocol error: invalid bulk length");
      }
      bulk_length_ = *length;
      position_ = cr + 2;
    }
    const std::size_t end = position_ + static_cast<std::size_t>(bulk_length_) + 2;
    if (end > limits_.max_command_bytes) {
      return fail("ERR Protocol error: request larger than " +
                  std::to_string(limits_.max_command_bytes) + " bytes");
    }
    if (input.size() < end) {
      needed_ = end;
      return parse_status::incomplete;
    }
    spans_.emplace_back(position_, static_cast<std::size_t>(bulk_length_));
    position_ = end;
    bulk_length_ = -1;
  }
  args_.reserve(spans_.size());
  for (const auto& [offset, length] : spans_) args_.push_back(input.substr(offset, length));
  consumed_ = position_;
  reset();
  return parse_status::complete;
}

void append_simple(std::string& out, std::string_view text) {
  out += '+';
  out += text;
  out += "\r\n";
}

void append_error(std::string& out, std::string_view message) {
  out += '-';
  const std::size_t start = out.size();
  out += message;
  std::replace_if(
      out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
      [](char c) { return c == '\r' || c == '\n'; }, ' ');
  out += "\r\n";
}

void append_integer(std::string& out, std::int64_t value) {
  out += ':';
  append_decimal(out, value);
  out += "\r\n";
}

void append_bulk_header(std::string& out, std::size_t length) {
  out += '$';
  append_decimal(out, static_cast<std::int64_t>(length));
  out += "\r\n";
}

void append_bulk(std::string& out, std::string_view bytes) {
  append_bulk_header(out, bytes.size());
  out += bytes;
  out += "\r\n";
}

void append_null(std::string& out) {
  out += "$-1\r\n";
}

void append_array_header(std::string& out, std::size_t count) {
  out += '*';
  append_decimal(out, static_cast<std::int64_t>(count));
  out += "\r\n";
}

void append_null_array(std::string& out) {
  out += "*-1\r\n";
}

}  // namespace kv::resp
