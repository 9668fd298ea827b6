// Response writing: JSON bodies, the contract's error body, and connection reuse.
#include "transports/http/exchange.hpp"

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>

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

// Pistache writes only typed headers into a response (raw ones are dropped), so headers of our
// own, such as X-Kv-Version, need a type; this one carries its name at run time.
class text_header : public Header::Header {
 public:
  text_header(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  uint64_t hash() const override { return std::hash<std::string>{}(name_); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& stream) const override { stream << value_; }

 private:
  std::string name_;
  std::string value_;
};

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
      method_(method_of(request.method())) {
  context_.in_flight.fetch_add(1, std::memory_order_relaxed);
  auto& headers = writer_.headers();
  headers.remove<Header::Connection>();
  headers.add<Header::Connection>(keep_alive_ ? ConnectionControl::KeepAlive
                                              : ConnectionControl::Close);
}

exchange::~exchange() {
  if (status_ != 0) {
    context_.http.record(route_, method_, status_, std::chrono::steady_clock::now() - started_);
  }
  context_.in_flight.fetch_sub(1, std::memory_order_release);
}

void exchange::send(int status, std::string_view body,
                    const Pistache::Http::Mime::MediaType& type) {
  if (method_ == method::head) return send_empty(status);
  status_ = status;
  writer_.send(static_cast<Pistache::Http::Code>(status), body.data(), body.size(), type);
}

void exchange::send_empty(int status) {
  status_ = status;
  writer_.send(static_cast<Pistache::Http::Code>(status));
}

void exchange::send_json(int status, const nlohmann::json& body) {
  send(status, to_json_text(body), MIME(Application, Json));
}

void exchange::send_error(int status, std::string_view code, std::string_view message) {
  send_json(status, {{"error", code}, {"message", message}});
}

void exchange::add_header(std::string name, std::string value) {
  writer_.headers().add(std::make_shared<text_header>(std::move(name), std::move(value)));
}

std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kv::http
