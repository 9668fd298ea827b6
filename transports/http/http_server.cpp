// Pistache endpoint set-up and the dispatcher that sends each request to its handler.
#include "transports/http/http_server.hpp"

#include <pistache/endpoint.h>
#include <spdlog/spdlog.h>

#include "transports/http/http_error.hpp"
#include "transports/http/routes.hpp"

namespace kv::http {
namespace {

// Whether the route reads or writes keys (or their change feed), which waits for recovery.
bool touches_keys(route r) {
  switch (r) {
    case route::ping:
    case route::readiness:
    case route::info:
    case route::metrics:
      return false;
    default:
      return true;
  }
}

void dispatch(const route_match& match, method m, const Request& request, const exchange_ptr& ex) {
  if (ex->context().phase.load(std::memory_order_relaxed) == node_phase::recovering &&
      touches_keys(match.route)) {
    return ex->send_error(503, "unavailable", "node is recovering its data from disk");
  }
  switch (match.route) {
    case route::key:
    case route::compat_get:
      return serve_key(match, m, request, ex);
    case route::keys:
      return m == method::get ? serve_list(request, ex) : serve_batch(request, ex);
    case route::watch:
      return serve_watch(request, ex);
    case route::compat_set:
      return serve_batch(request, ex);
    case route::compat_search:
      return serve_search(request, ex);
    case route::compat_dump:
      return serve_dump(ex);
    case route::ping:
      return serve_ping(ex);
    case route::readiness:
      return serve_readiness(ex);
    case route::info:
      return serve_info(ex);
    case route::metrics:
      return serve_metrics(ex);
  }
}

class request_handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(request_handler)

  explicit request_handler(std::shared_ptr<server_context> context)
      : context_(std::move(context)) {}

  void onRequest(const Request& request, Pistache::Http::ResponseWriter writer) override {
    auto ex = std::make_shared<exchange>(request, std::move(writer), *context_);
    try {
      const auto match = match_route(request.resource());
      if (!match) {
        return ex->send_error(404, "not_found", "no route " + request.resource());
      }
      ex->set_route(match->route);
      const method m = ex->request_method();
      if (!allows(match->route, m)) {
        ex->add_header("Allow", allowed_methods(match->route));
        return ex->send_error(405, "method_not_allowed",
                              "allowed methods: " + allowed_methods(match->route));
      }
      dispatch(*match, m, request, ex);
    } catch (const http_error& error) {
      ex->send_error(error.status, error.code, error.message);
    } catch (const std::exception& error) {
      spdlog::error("{} {} failed: {}", Pistache::Http::methodString(request.method()),
                    request.resource(), error.what());
      ex->send_error(500, "internal", "internal error");
    }
  }

 private:
  std::shared_ptr<server_context> context_;
};

// Room for the largest value base64-encoded inside JSON, plus headers.
std::size_t request_size_limit(std::size_t max_value_bytes) {
  return max_value_bytes / 3 * 4 + 4 + (64 << 10);
}

std::string unbracketed(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace

struct http_server::impl {
  std::shared_ptr<server_context> context;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
};

http_server::http_server(server_options options, store_api store, feed_api feed,
                         metrics::node_metrics& metrics)
    : impl_(std::make_unique<impl>()) {
  impl_->context = std::make_shared<server_context>(std::move(options), std::move(store),
                                                    std::move(feed), metrics);
}

http_server::~http_server() {
  stop();
}

void http_server::start() {
  const auto& options = impl_->context->options;
  const Pistache::Address address(unbracketed(options.host), Pistache::Port(options.port));
  impl_->endpoint = std::make_unique<Pistache::Http::Endpoint>(address);
  // NoDelay: streamed answers go out as a head and then chunks, which Nagle's algorithm would
  // hold back until the client's delayed ACK.
  impl_->endpoint->init(
      Pistache::Http::Endpoint::options()
          .threads(options.threads)
          .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::NoDelay)
          .maxRequestSize(request_size_limit(options.max_value_bytes))
          .headerTimeout(options.idle_timeout)
          .keepaliveTimeout(options.idle_timeout));
  impl_->endpoint->setHandler(std::make_shared<request_handler>(impl_->context));
  impl_->endpoint->serveThreaded();
}

std::uint16_t http_server::port() const {
  return impl_->endpoint->getPort();
}

void http_server::set_phase(node_phase phase) {
  impl_->context->phase.store(phase);
}

std::size_t http_server::in_flight() const {
  return impl_->context->in_flight.load(std::memory_order_acquire);
}

void http_server::stop() {
  if (!impl_->endpoint) return;
  impl_->endpoint->shutdown();
  impl_->endpoint.reset();
}

}  // namespace kv::http
