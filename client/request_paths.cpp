// Base-URL parsing and request-target building for the kvnode HTTP client; no networking here.
// Keys are escaped byte by byte, so any UTF-8 key reaches the node exactly as given.
#include "client/request_paths.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace kv::client {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view bytes, bool keep_slash) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(bytes.size());
  for (const char c : bytes) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      encoded.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    encoded.push_back('%');
    encoded.push_back(hex_digits[byte >> 4]);
    encoded.push_back(hex_digits[byte & 15]);
  }
  return encoded;
}

[[noreturn]] void reject(std::string_view url, const std::string& reason) {
  throw std::invalid_argument("invalid URL `" + std::string(url) + "`: " + reason);
}

std::string lowercase(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return lowered;
}

// Removes "SCHEME://" from the front of `rest` and returns the scheme; without one, http (as
// curl assumes), since users often type just HOST:PORT.
std::string take_scheme(std::string_view url, std::string_view& rest) {
  const auto separator = rest.find("://");
  if (separator == std::string_view::npos) return "http";
  std::string scheme = lowercase(rest.substr(0, separator));
  if (scheme != "http" && scheme != "https") {
    reject(url, "the scheme must be http or https, not `" + scheme + "`");
  }
  rest.remove_prefix(separator + 3);
  return scheme;
}

int parse_port(std::string_view url, std::string_view text) {
  int port = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, port);
  if (text.empty() || error != std::errc{} || stop != end || port < 1 || port > 65535) {
    reject(url, "the port must be a number from 1 to 65535");
  }
  return port;
}

struct host_and_port {
  std::string_view host;
  std::optional<std::string_view> port;  // absent when the authority has no ':'
};

// HOST[:PORT] or [IPV6][:PORT].
host_and_port split_authority(std::string_view url, std::string_view authority) {
  host_and_port parts;
  std::size_t host_end = 0;
  if (authority.starts_with('[')) {
    host_end = authority.find(']');
    if (host_end == std::string_view::npos) reject(url, "an IPv6 address lacks its closing `]`");
    parts.host = authority.substr(1, host_end - 1);
    ++host_end;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
    parts.host = authority.substr(0, host_end);
    if (authority.find(':', host_end + 1) != std::string_view::npos) {
      reject(url, "an IPv6 address must be in brackets");
    }
  }
  const std::string_view after_host = authority.substr(host_end);
  if (after_host.empty()) return parts;
  if (!after_host.starts_with(':')) reject(url, "expected `:PORT` after the host");
  parts.port = after_host.substr(1);
  return parts;
}

void parse_authority(std::string_view url, std::string_view authority, endpoint& node) {
  if (authority.find('@') != std::string_view::npos) {
    reject(url, "user names and passwords in the URL are not supported");
  }
  const host_and_port parts = split_authority(url, authority);
  if (parts.host.empty()) reject(url, "the host is missing");
  node.host = parts.host;
  node.port = parts.port ? parse_port(url, *parts.port) : node.scheme == "https" ? 443 : 80;
}

void append_parameter(std::string& target, std::string_view name, std::string_view value) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += name;
  target += '=';
  // Escaping everything but unreserved characters matters for '+' (the node reads it as a
  // space in queries) and for '&' and '='.
  target += percent_encode(value, false);
}

}  // namespace

endpoint parse_url(std::string_view url) {
  const bool printable =
      std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < 0x7F; });
  if (!printable) reject(url, "it contains a space, a control character or a non-ASCII byte");
  if (url.find_first_of("?#") != std::string_view::npos) {
    reject(url, "a node URL has no query or fragment");
  }
  endpoint node;
  std::string_view rest = url;
  node.scheme = take_scheme(url, rest);
  const auto path_start = rest.find('/');
  parse_authority(url, rest.substr(0, path_start), node);
  if (path_start != std::string_view::npos) {
    std::string_view path = rest.substr(path_start);
    while (path.ends_with('/')) path.remove_suffix(1);
    node.base_path = path;
  }
  return node;
}

std::string key_target(std::string_view key) {
  return "/v1/keys/" + percent_encode(key, true);
}

std::string key_target(std::string_view key, std::initializer_list<query_parameter> parameters) {
  std::string target = key_target(key);
  for (const auto& [name, value] : parameters) {
    if (value) append_parameter(target, name, *value);
  }
  return target;
}

std::string list_target(const list_query& query) {
  std::string target = "/v1/keys";
  if (!query.prefix.empty()) append_parameter(target, "prefix", query.prefix);
  if (!query.suffix.empty()) append_parameter(target, "suffix", query.suffix);
  if (query.after) append_parameter(target, "after", *query.after);
  append_parameter(target, "limit", std::to_string(query.limit));
  return target;
}

std::string watch_target(std::string_view prefix) {
  std::string target = "/v1/watch";
  if (!prefix.empty()) append_parameter(target, "prefix", prefix);
  return target;
}

}  // namespace kv::client
