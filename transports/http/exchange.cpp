// Response writing: JSON bodies, the contract's error body, and connection reuse.
#include "transports/http/exchange.hpp"

#include <pistache/peer.h>

#include <charconv>
#include <nlohmann/json.hpp>

namespace kv::http {
namespace {

using Pistache::Http::ConnectionControl;
namespace Header = Pistache::Http::Header;

// Pistache answers an HTTP/1.1 request that has no Connection header with "Connection: Close"
// yet keeps the socket open, so clients reconnect for every request. HTTP/1.1 means keep-alive
// unless the client said otherwise; a draining node asks clients to go elsewhere.
bool wants_keep_alive(const Pistache::Http::Request& request, node_phase phase) {
  if (phase == node_phase::draining) return false;
  const auto connection = request.headers().tryGet<Header::Connection>();
  if (connection) return connection->control() == ConnectionControl::KeepAlive;
  return request.version() == Pistache::Http::Version::Http11;
}

void append_number(std::string& out, std::size_t number) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out.append(digits, end);
}

method method_of(Pistache::Http::Method m) {
  using Pistache::Http::Method;
  switch (m) {
    case Method::Get:
      return method::get;
    case Method::Head:
      return method::head;
    case Method::Put:
      return method::put;
    case Method::Post:
      return method::post;
    case Method::Delete:
      return method::del;
    default:
      return method::other;
  }
}

}  // namespace

exchange::exchange(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter writer,
                   server_context& context)
    : writer_(std::move(writer)),
      context_(context),
      keep_alive_(wants_keep_alive(request, context.phase.load(std::memory_order_relaxed))),
      http10_(request.version() == Pistache::Http::Version::Http10),
      method_(method_of(request.method())) {
  context_.in_flight.fetch_add(1, std::memory_order_relaxed);
}

exchange::~exchange() {
  if (status_ != 0) {
    context_.http.record(route_, method_, status_, std::chrono::steady_clock::now() - started_);
  }
  context_.in_flight.fetch_sub(1, std::memory_order_release);
}

void exchange::send(int status, std::string_view body,
                    const Pistache::Http::Mime::MediaType& type) {
  write_response(status, type.toString(), body);
}

void exchange::send_empty(int status) {
  write_response(status, {}, {});
}

// The response in one buffer, in the form Pistache's ResponseWriter::send writes it. That
// writer builds it through a header collection and std::ostream (about a third of the
// instructions of a small request); this costs one string.
void exchange::write_response(int status, std::string_view content_type, std::string_view body) {
  status_ = status;
  const auto code = static_cast<Pistache::Http::Code>(status);
  std::string response;
  response.reserve(160 + extra_headers_.size() + body.size());
  response += http10_ ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(response, static_cast<std::size_t>(status));
  response += ' ';
  response += Pistache::Http::codeString(code);
  response += "\r\n";
  if (!content_type.empty()) {
    response.append("Content-Type: ").append(content_type).append("\r\n");
  }
  response += extra_headers_;
  response += keep_alive_ ? "Connection: Keep-Alive\r\n" : "Connection: Close\r\n";
  response += "Content-Length: ";
  append_number(response, body.size());
  response.append("\r\n\r\n");
  // HEAD gets the headers GET would get, Content-Length included, and no body (RFC 9110 9.3.2).
  if (method_ != method::head) response.append(body);
  const std::size_t size = response.size();
  // ResponseWriter::peer and Peer::send throw once the client has gone, and a failed write
  // rejects the promise later: neither is an error of ours (ResponseWriter::send catches both).
  try {
    const auto peer = writer_.peer();
    if (!peer) return;
    // As ResponseWriter::send does: the connection awaits no answer now, so its keep-alive
    // timeout closes it without a 408.
    peer->setIdle(true);
    peer->send(Pistache::RawBuffer(std::move(response), size))
        .then([](ssize_t) {}, [](const std::exception_ptr&) {});
  } catch (const std::exception&) {
  }
}

void exchange::send_json(int status, const nlohmann::json& body) {
  send(status, to_json_text(body), MIME(Application, Json));
}

void exchange::send_error(int status, std::string_view code, std::string_view message) {
  send_json(status, {{"error", code}, {"message", message}});
}

void exchange::add_header(std::string_view name, std::string_view value) {
  extra_headers_.append(name).append(": ").append(value).append("\r\n");
}

std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kv::http
