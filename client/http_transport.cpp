// The httplib plumbing of the kvnode clients. httplib says only "connection failed"; the reasons
// people can act on come from redoing the resolution and the connect.
#include "client/http_transport.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kv::client {
namespace {

// The errno of one connect() to `address`, or 0 when it connects.
int connect_errno(const addrinfo& address) {
  const int fd =
      ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC, address.ai_protocol);
  if (fd < 0) return errno;
  // httplib has already waited out its own time-out; this retry only needs the quick answers.
  const timeval limit{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  const int error = ::connect(fd, address.ai_addr, address.ai_addrlen) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

// httplib reports every failed connect() alike; redoing the resolution and the connect
// recovers the system's own words ("Connection refused", "Name or service not known").
std::string connect_failure_reason(const endpoint& node) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const int status =
      ::getaddrinfo(node.host.c_str(), std::to_string(node.port).c_str(), &hints, &addresses);
  if (status != 0) return "cannot resolve host " + node.host + ": " + ::gai_strerror(status);
  // httplib tried the addresses in this order too; the first one's failure stands for all.
  int error = 0;
  for (const addrinfo* address = addresses; address && error == 0; address = address->ai_next) {
    error = connect_errno(*address);
  }
  ::freeaddrinfo(addresses);
  return error != 0 ? std::strerror(error) : "connection failed";
}

// With TLS 1.3 a node that refuses the client's certificate does so after the client thinks
// the handshake done: the request's write or its read fails instead of the handshake.
std::string refused_client_hint(const endpoint& node) {
  if (node.scheme != "https" || !node.cert_file.empty()) return "";
  return "; a node that requires client certificates closes connections without one";
}

}  // namespace

std::unique_ptr<httplib::ClientImpl> make_http_client(const endpoint& node,
                                                      std::chrono::milliseconds timeout) {
  std::unique_ptr<httplib::ClientImpl> http;
  if (node.scheme == "https") {
    auto tls =
        std::make_unique<httplib::SSLClient>(node.host, node.port, node.cert_file, node.key_file);
    // httplib drops its context when the client certificate or key does not load.
    if (!tls->is_valid()) {
      throw std::runtime_error("cannot use the client certificate " + node.cert_file +
                               " with the key " + node.key_file);
    }
    if (!node.ca_file.empty()) tls->set_ca_cert_path(node.ca_file);
    http = std::move(tls);
  } else {
    http = std::make_unique<httplib::ClientImpl>(node.host, node.port);
  }
  http->set_connection_timeout(timeout);
  http->set_read_timeout(timeout);
  http->set_write_timeout(timeout);
  if (!node.bearer_token.empty()) http->set_bearer_token_auth(node.bearer_token);
  // One connection for all the pages of a listing.
  http->set_keep_alive(true);
  // Targets arrive escaped already; httplib must not escape them a second time.
  http->set_url_encode(false);
  return http;
}

[[noreturn]] void throw_unreachable(httplib::Error error, const endpoint& node) {
  switch (error) {
    case httplib::Error::Connection:
      throw unreachable_error(connect_failure_reason(node));
    case httplib::Error::ConnectionTimeout:
      throw unreachable_error("connection timed out");
    case httplib::Error::Read:
      throw unreachable_error("no reply (the connection closed or the read timed out)" +
                              refused_client_hint(node));
    case httplib::Error::Write:
      throw unreachable_error("could not send the request (the connection closed or timed out)" +
                              refused_client_hint(node));
    case httplib::Error::SSLServerVerification:
      throw unreachable_error(
          "TLS: the node's certificate is not signed by a trusted CA or does "
          "not name " +
          node.host + " (give its CA with --cacert)");
    case httplib::Error::SSLLoadingCerts:
      throw unreachable_error("TLS: cannot load the CA certificates " +
                              (node.ca_file.empty() ? "of the system" : node.ca_file));
    case httplib::Error::SSLConnection:
      throw unreachable_error("TLS handshake failed (" + httplib::to_string(error) +
                              "; a node requiring client certificates refuses clients without "
                              "one it trusts)");
    default:
      throw unreachable_error("request failed (" + httplib::to_string(error) + ")");
  }
}

std::optional<std::string> string_field(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  const auto field = object.find(name);
  if (field == object.end() || !field->is_string()) return std::nullopt;
  return field->get<std::string>();
}

[[noreturn]] void throw_server_error(int status, const std::string& body) {
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (auto message = string_field(document, "message")) {
    throw server_error(status, string_field(document, "error").value_or(""), *message);
  }
  // Not a kvnode error body: probably something else listens at the URL.
  throw server_error(status, "",
                     "HTTP status " + std::to_string(status) + " without a kvnode error body");
}

}  // namespace kv::client
