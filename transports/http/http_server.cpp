// The HTTP server: a listening socket, http.threads reactors, and the dispatcher that sends
// each parsed request to its handler.
#include "transports/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "transports/http/access_gate.hpp"
#include "transports/http/dialects/dialect_routes.hpp"
#include "transports/http/http_error.hpp"
#include "transports/http/listener.hpp"
#include "transports/http/reactor.hpp"
#include "transports/http/request_params.hpp"
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
    case route::cluster:
    case route::cluster_internal:
      return false;
    default:
      return true;
  }
}

bool is_read(method m) {
  return m == method::get || m == method::head;
}

// The checks a route can make before its handler runs; listings, watches and batches check
// each key they touch themselves.
void authorize(const route_match& match, method m, const request& req, exchange& ex) {
  if (open_without_token(match.route)) return;
  authenticate(req, ex);
  if (ex.grant() == nullptr) return;
  switch (match.route) {
    case route::key:
    case route::compat_get: {
      const std::string key = key_from_path(match.key, ex.context().options.max_key_bytes);
      return is_read(m) ? require_read(ex, key) : require_write(ex, key);
    }
    case route::metrics:
      return require_metrics(ex);
    case route::socketio:
      // Its only use is yuvraj9's watch, which sees every key.
      return require_everything(ex, false);
    case route::cluster_internal:
      // A follower's forwarded writes may touch any key: only a member's token may send them.
      return require_everything(ex, true);
    default:
      return;
  }
}

void dispatch(const route_match& match, method m, const request& req, const exchange_ptr& ex) {
  if (ex->context().phase.load(std::memory_order_relaxed) == node_phase::recovering &&
      touches_keys(match.route)) {
    return ex->send_error(503, "unavailable", "node is recovering its data from disk");
  }
  switch (match.route) {
    case route::key:
    case route::compat_get:
      return serve_key(match, m, req, ex);
    case route::keys:
      return m == method::get ? serve_list(req, ex) : serve_batch(req, ex);
    case route::watch:
      return serve_watch(req, ex);
    case route::compat_set:
      return serve_batch(req, ex);
    case route::compat_search:
      return serve_search(req, ex);
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
    case route::yuvraj9_kv:
      return serve_yuvraj9_kv(m, req, ex);
    case route::isnastish:
      return serve_isnastish(m, req, ex);
    case route::socketio:
      if (!ex->context().socketio) return ex->send_error(404, "not_found", "no route /socket.io/");
      return ex->context().socketio(req, ex);
    case route::cluster:
      return serve_cluster(ex);
    case route::cluster_internal:
      return serve_cluster_internal(match, m, req, ex);
  }
}

// A browser asking, for a page of an allowed origin, whether it may send this request.
void answer_preflight(const route_match& match, const request& req, const exchange_ptr& ex) {
  ex->add_header("Access-Control-Allow-Methods", allowed_methods(match.route));
  if (const auto headers = req.header("Access-Control-Request-Headers")) {
    ex->add_header("Access-Control-Allow-Headers", *headers);
  }
  ex->add_header("Access-Control-Max-Age", "600");
  ex->send_empty(204);
}

// A path the node's dialect owns, answered in that dialect's words.
void serve_in_dialect(server_context& context, const dialects::dialect_route& owned,
                      const request& req, const exchange_ptr& ex) {
  ex->set_route(owned.label);
  if (auto refusal = context.guard.check(req)) throw std::move(*refusal);
  if (!open_without_token(owned.label)) {
    authenticate(req, *ex);
    require_everything(*ex, !is_read(req.request_method()));
  }
  if (context.phase.load(std::memory_order_relaxed) == node_phase::recovering &&
      owned.touches_keys) {
    return ex->send_error(503, "unavailable", "node is recovering its data from disk");
  }
  owned.serve(req, ex);
}

void handle(server_context& context, request& req, const connection_ptr& conn) {
  auto ex = std::make_shared<exchange>(req, conn, context);
  // Cluster mode: ?consistency=stale reads this member's copy (store_api reads on this thread).
  store_api::set_stale_reads(req.query("consistency") == std::optional<std::string_view>("stale"));
  try {
    if (const auto owned = dialects::dialect_route_for(context.options.dialect, req.path())) {
      return serve_in_dialect(context, *owned, req, ex);
    }
    const auto match = match_route(req.path());
    if (!match) {
      if (auto refusal = context.guard.check(req)) throw std::move(*refusal);
      return ex->send_error(404, "not_found", "no route " + std::string(req.path()));
    }
    ex->set_route(match->route);
    if (auto refusal = context.guard.check(req)) throw std::move(*refusal);
    const method m = req.request_method();
    if (const auto origin = context.guard.allowed_origin(req)) {
      ex->add_header("Access-Control-Allow-Origin", *origin);
      ex->add_header("Vary", "Origin");
      if (m == method::options) return answer_preflight(*match, req, ex);
      ex->add_header("Access-Control-Expose-Headers", "X-Kv-Version");
    }
    if (!allows(match->route, m)) {
      ex->add_header("Allow", allowed_methods(match->route));
      return ex->send_error(405, "method_not_allowed",
                            "allowed methods: " + allowed_methods(match->route));
    }
    authorize(*match, m, req, *ex);
    dispatch(*match, m, req, ex);
  } catch (const http_error& error) {
    ex->send_error(error.status, error.code, error.message);
  } catch (const std::exception& error) {
    spdlog::error("{} failed: {}", req.path(), error.what());
    ex->send_error(500, "internal", "internal error");
  }
}

// Room for the largest value base64-encoded inside JSON, with the JSON around it.
std::size_t default_request_limit(std::size_t max_value_bytes) {
  return max_value_bytes / 3 * 4 + 4 + (64 << 10);
}

}  // namespace

struct http_server::impl {
  std::shared_ptr<server_context> context;
  std::unique_ptr<listener> socket;
  std::vector<std::shared_ptr<reactor>> reactors;
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

void http_server::mount_socketio(
    std::function<void(const request&, const std::shared_ptr<exchange>&)> handler) {
  impl_->context->socketio = std::move(handler);
}

void http_server::start() {
  const auto& options = impl_->context->options;
  impl_->socket = std::make_unique<listener>(options.host, options.port);
  connection_options settings;
  settings.limits.max_head_bytes = options.max_head_bytes;
  settings.limits.max_body_bytes = options.max_request_bytes != 0
                                       ? options.max_request_bytes
                                       : default_request_limit(options.max_value_bytes);
  settings.idle_timeout = options.idle_timeout;
  settings.tls = options.tls;
  settings.on_request = [context = impl_->context](request& req, const connection_ptr& conn) {
    handle(*context, req, conn);
  };
  settings.on_refused = [context = impl_->context](int status) {
    context->http.record(std::nullopt, method::other, status, {});
  };
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    impl_->reactors.push_back(std::make_shared<reactor>(impl_->socket->fd(), settings));
  }
  for (const auto& r : impl_->reactors) r->start();
}

std::uint16_t http_server::port() const {
  return impl_->socket ? impl_->socket->port() : 0;
}

void http_server::set_phase(node_phase phase) {
  impl_->context->phase.store(phase);
}

std::size_t http_server::in_flight() const {
  return impl_->context->in_flight.load(std::memory_order_acquire);
}

void http_server::stop() {
  for (const auto& r : impl_->reactors) r->stop();
  impl_->reactors.clear();
  impl_->socket.reset();
}

}  // namespace kv::http
