// The shared HTTP client, encodings and reply assertions of the kvnode integration tests.
// Paths are sent verbatim (httplib's own URL encoding is off) so tests control every byte.
#include "tests/support/kv_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <sstream>

namespace kvtest {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

::testing::AssertionResult HasStatus(const Reply& reply, int status) {
  if (reply.status == status) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected status " << status << ", got " << reply.describe();
}

::testing::AssertionResult HasJsonContentType(const Reply& reply) {
  const std::string type = reply.header("Content-Type");
  if (media_type(type) == "application/json") return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected Content-Type application/json, got \"" << type
                                       << "\" in " << reply.describe();
}

}  // namespace

std::string url_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

std::string key_path(std::string_view key) {
  return "/v1/keys/" + url_encode(key);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    out += out.empty() ? "?" : "&";
    out += url_encode(name) + "=" + url_encode(value);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const char* found = std::char_traits<char>::find(kBase64Alphabet, 64, c);
    if (found == nullptr) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(found - kBase64Alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character carries no whole byte
  return out;
}

std::string all_byte_values() {
  std::string bytes(256, '\0');
  for (int i = 0; i < 256; ++i) bytes[i] = static_cast<char>(i);
  return bytes;
}

std::string numbered(std::string_view prefix, std::uint64_t number) {
  std::string out(prefix);
  out += std::to_string(number);
  return out;
}

std::string Reply::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string Reply::describe() const {
  std::ostringstream text;
  if (status < 0) {
    text << "no response (" << error << ")";
    return text.str();
  }
  text << "status " << status;
  if (!body.empty()) {
    constexpr std::size_t kShown = 300;
    text << ", body (" << body.size() << " bytes) \"" << body.substr(0, kShown)
         << (body.size() > kShown ? "..." : "") << "\"";
  } else {
    text << ", empty body";
  }
  return text.str();
}

nlohmann::json Reply::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string media_type(const std::string& content_type) {
  return lowercase(trim(content_type.substr(0, content_type.find(';'))));
}

KvClient::KvClient(std::string host, std::uint16_t port, bool keep_alive)
    : client_(std::move(host), port) {
  client_.set_url_encode(false);
  client_.set_keep_alive(keep_alive);
  client_.set_connection_timeout(5, 0);
  client_.set_read_timeout(60, 0);
  client_.set_write_timeout(60, 0);
  client_.set_decompress(false);
  client_.set_tcp_nodelay(true);  // headers and body go out in separate writes
}

Reply KvClient::request(const std::string& method, const std::string& target,
                        const std::string& body, const std::string& content_type,
                        const httplib::Headers& headers) {
  httplib::Request request;
  request.method = method;
  request.path = target;
  request.headers = headers;
  request.body = body;
  if (!content_type.empty()) request.set_header("Content-Type", content_type);
  auto result = client_.send(request);
  Reply reply;
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.headers = result->headers;
  reply.body = result->body;
  return reply;
}

Reply KvClient::put_key(std::string_view key, const std::string& value,
                        std::optional<std::uint64_t> if_version) {
  std::string target = key_path(key);
  if (if_version) target += "?if_version=" + std::to_string(*if_version);
  return put(target, value);
}

Reply KvClient::delete_key(std::string_view key, std::optional<std::uint64_t> if_version) {
  std::string target = key_path(key);
  if (if_version) target += "?if_version=" + std::to_string(*if_version);
  return del(target);
}

Reply KvClient::post_key_base64(std::string_view key, const std::string& value) {
  return post_json(key_path(key), nlohmann::json{{"value", base64_encode(value)}}.dump());
}

::testing::AssertionResult KvClient::put_all(const std::map<std::string, std::string>& entries,
                                             std::size_t batch_size) {
  nlohmann::json batch = nlohmann::json::object();
  std::size_t pending = 0;
  auto flush = [&]() -> ::testing::AssertionResult {
    if (pending == 0) return ::testing::AssertionSuccess();
    const Reply reply = post_batch(batch);
    auto ok = IsJsonReply(reply, 200, {{"written", pending}});
    batch = nlohmann::json::object();
    pending = 0;
    if (!ok)
      return ::testing::AssertionFailure() << "bulk load via POST /v1/keys: " << ok.message();
    return ok;
  };
  for (const auto& [key, value] : entries) {
    batch[key] = value;
    if (++pending == batch_size) {
      if (auto ok = flush(); !ok) return ok;
    }
  }
  return flush();
}

::testing::AssertionResult KvClient::list(
    const std::vector<std::pair<std::string, std::string>>& params, nlohmann::json* page) {
  const std::string target = "/v1/keys" + query_string(params);
  const Reply reply = get(target);
  if (reply.status != 200) {
    return ::testing::AssertionFailure() << "GET " << target << ": " << reply.describe();
  }
  if (auto ok = HasJsonContentType(reply); !ok) return ok;
  *page = reply.json();
  if (page->is_discarded() || !page->is_object()) {
    return ::testing::AssertionFailure()
           << "GET " << target << ": body is not a JSON object: " << reply.describe();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsJsonReply(const Reply& reply, int status,
                                       const nlohmann::json& expected) {
  if (auto ok = HasStatus(reply, status); !ok) return ok;
  if (auto ok = HasJsonContentType(reply); !ok) return ok;
  const nlohmann::json body = reply.json();
  if (body.is_discarded()) {
    return ::testing::AssertionFailure() << "body is not JSON: " << reply.describe();
  }
  if (body != expected) {
    return ::testing::AssertionFailure()
           << "expected body " << expected.dump() << ", got " << body.dump();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsErrorReply(const Reply& reply, int status, const std::string& code,
                                        const std::optional<std::string>& message) {
  if (auto ok = HasStatus(reply, status); !ok) return ok;
  if (auto ok = HasJsonContentType(reply); !ok) return ok;
  const nlohmann::json body = reply.json();
  if (!body.is_object() || body.size() != 2 || !body.contains("error") ||
      !body.contains("message") || !body["error"].is_string() || !body["message"].is_string()) {
    return ::testing::AssertionFailure()
           << "expected a body of exactly {\"error\": CODE, \"message\": TEXT}, got "
           << reply.describe();
  }
  if (body["error"] != code) {
    return ::testing::AssertionFailure()
           << "expected error code \"" << code << "\", got " << body.dump();
  }
  const auto text = body["message"].get<std::string>();
  if (text.empty()) return ::testing::AssertionFailure() << "empty error message: " << body.dump();
  if (message && text != *message) {
    return ::testing::AssertionFailure()
           << "expected message \"" << *message << "\", got \"" << text << "\"";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsMissingKeyReply(const Reply& reply, std::string_view key) {
  return IsErrorReply(reply, 404, "not_found", "no key `" + std::string(key) + "` found");
}

::testing::AssertionResult IsValueReply(const Reply& reply, const std::string& value,
                                        std::uint64_t version) {
  if (auto ok = HasStatus(reply, 200); !ok) return ok;
  const std::string type = reply.header("Content-Type");
  if (media_type(type) != "application/octet-stream") {
    return ::testing::AssertionFailure()
           << "expected Content-Type application/octet-stream, got \"" << type << "\"";
  }
  if (reply.header("X-Kv-Version") != std::to_string(version)) {
    return ::testing::AssertionFailure() << "expected X-Kv-Version " << version << ", got \""
                                         << reply.header("X-Kv-Version") << "\"";
  }
  if (reply.body != value) {
    return ::testing::AssertionFailure()
           << "value differs: expected " << value.size() << " bytes, got " << reply.describe();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsTypedValueReply(const Reply& reply, const std::string& type,
                                             const std::string& body, std::uint64_t version) {
  if (auto ok = HasStatus(reply, 200); !ok) return ok;
  const bool number = type == "int" || type == "uint" || type == "float";
  const std::string media = type == "bytes" ? "application/octet-stream"
                            : number        ? "text/plain"
                                            : "application/json";
  if (reply.header("X-Kv-Type") != type) {
    return ::testing::AssertionFailure()
           << "expected X-Kv-Type " << type << ", got \"" << reply.header("X-Kv-Type") << "\"";
  }
  if (media_type(reply.header("Content-Type")) != media) {
    return ::testing::AssertionFailure() << "expected Content-Type " << media << ", got \""
                                         << reply.header("Content-Type") << "\"";
  }
  if (reply.header("X-Kv-Version") != std::to_string(version)) {
    return ::testing::AssertionFailure() << "expected X-Kv-Version " << version << ", got \""
                                         << reply.header("X-Kv-Version") << "\"";
  }
  if (reply.body != body) {
    return ::testing::AssertionFailure() << "expected [" << body << "], got " << reply.describe();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsWriteReply(const Reply& reply, std::string_view key,
                                        std::uint64_t version, bool created) {
  return IsJsonReply(reply, 200,
                     {{"key", std::string(key)}, {"version", version}, {"created", created}});
}

::testing::AssertionResult IsMethodNotAllowedReply(const Reply& reply,
                                                   const std::vector<std::string>& allowed,
                                                   const std::string& method_used) {
  if (auto ok = IsErrorReply(reply, 405, "method_not_allowed"); !ok) return ok;
  if (!reply.has_header("Allow")) {
    return ::testing::AssertionFailure() << "405 reply has no Allow header";
  }
  std::set<std::string> listed;
  for (auto it = reply.headers.lower_bound("Allow"); it != reply.headers.upper_bound("Allow");
       ++it) {
    std::istringstream methods(it->second);
    std::string method;
    while (std::getline(methods, method, ',')) listed.insert(trim(method));
  }
  for (const auto& method : allowed) {
    if (!listed.count(method)) {
      return ::testing::AssertionFailure()
             << "Allow \"" << reply.header("Allow") << "\" does not list " << method;
    }
  }
  if (listed.count(method_used)) {
    return ::testing::AssertionFailure()
           << "Allow \"" << reply.header("Allow") << "\" lists the rejected method " << method_used;
  }
  return ::testing::AssertionSuccess();
}

RawConnection::RawConnection(const std::string& host, std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  if (fd_ < 0) return false;
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

RawResponse RawConnection::read_response(bool is_head) {
  using clock_type = std::chrono::steady_clock;
  RawResponse response;
  if (fd_ < 0) {
    response.error = "not connected";
    return response;
  }
  std::string data = std::move(pending_);
  pending_.clear();
  std::size_t header_end = std::string::npos;
  std::optional<std::size_t> content_length;
  bool peer_closed = false;
  auto parse_head = [&] {
    if (header_end != std::string::npos) return;
    header_end = data.find("\r\n\r\n");
    if (header_end == std::string::npos) return;
    const std::string head = lowercase(data.substr(0, header_end));
    const auto at = head.find("\r\ncontent-length:");
    if (at != std::string::npos) {
      content_length = std::stoul(head.substr(at + 17, head.find("\r\n", at + 2) - at - 17));
    }
  };
  parse_head();
  const auto deadline = clock_type::now() + std::chrono::seconds(10);
  for (;;) {
    if (header_end != std::string::npos && !is_head && content_length &&
        data.size() - header_end - 4 >= *content_length) {
      break;
    }
    // After the headers of a HEAD reply, wait only a short quiet period for stray bytes.
    const bool head_done = is_head && header_end != std::string::npos;
    pollfd poller{fd_, POLLIN, 0};
    const int ready = ::poll(&poller, 1, head_done ? 300 : 200);
    if (ready == 0) {
      if (head_done) break;
      if (clock_type::now() >= deadline) {
        response.error = "timed out reading the reply";
        break;
      }
      continue;
    }
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      peer_closed = true;
      break;
    }
    data.append(buffer, static_cast<std::size_t>(n));
    parse_head();
  }
  if (header_end == std::string::npos) {
    if (response.error.empty()) {
      response.error = peer_closed ? "connection closed before a complete reply"
                                   : "no complete header block in the reply";
    }
    response.head = data;
    return response;
  }
  response.head = data.substr(0, header_end);
  response.body = data.substr(header_end + 4);
  if (!is_head && content_length && response.body.size() > *content_length) {
    pending_ = response.body.substr(*content_length);
    response.body.resize(*content_length);
  }
  const auto space = response.head.find(' ');
  if (space != std::string::npos) response.status = std::atoi(response.head.c_str() + space + 1);
  return response;
}

bool RawConnection::closed_by_peer(int wait_ms) {
  if (fd_ < 0) return true;
  pollfd poller{fd_, POLLIN, 0};
  if (::poll(&poller, 1, wait_ms) <= 0) return false;
  char byte;
  const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK);
  return n <= 0;
}

RawResponse raw_http(const std::string& host, std::uint16_t port, const std::string& request,
                     bool is_head) {
  RawConnection connection(host, port);
  RawResponse response;
  if (!connection.connected()) {
    response.error = "connect failed";
    return response;
  }
  if (!connection.send(request)) {
    response.error = "send failed";
    return response;
  }
  return connection.read_response(is_head);
}

}  // namespace kvtest
