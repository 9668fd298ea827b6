// The HTTP transport: serves contract section 2 over HTTP/1.1, translating each request into
// store_api calls that answer from actor threads, so no HTTP thread ever waits on an actor.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/feed_api.hpp"
#include "actors/store_api.hpp"
#include "auth/token_registry.hpp"
#include "core/dialect.hpp"
#include "transports/http/browser_guard.hpp"

namespace kv::metrics {
class node_metrics;
}

namespace kv::http {

class tls_context;

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port, see http_server::port()
  int threads = 2;
  std::size_t max_key_bytes = 250;
  std::size_t max_value_bytes = 1048576;
  std::string node_id = "node-1";
  std::string version;
  // The ZeroMQ endpoint /v1/info tells clients to subscribe to; none: the feed is not reachable.
  std::optional<std::string> feed_zmq_endpoint;
  // The Z85 CURVE public key of the feed, when it is encrypted, for clients to authenticate it.
  std::optional<std::string> feed_curve_public_key;
  // A request must arrive whole within this time of its first byte (408 otherwise); a
  // connection that sends no request for this long is closed, as is one that stops reading
  // its answer. Streams stay open as long as the client reads them.
  std::chrono::milliseconds idle_timeout{60000};
  // The request line and headers together (414 or 431 past it).
  std::size_t max_head_bytes = 64 << 10;
  // A whole request body (413 past it, before it is read); 0: room for the largest value
  // base64-encoded in JSON (limits.max_request_bytes).
  std::size_t max_request_bytes = 0;
  // Which Host headers and cross-origin writers are served; the default serves any.
  browser_policy browser;
  // Whose answers the paths the older services share get (transports/http/dialects/).
  kv::dialect dialect = kv::dialect::kvactor;
  // Bearer tokens ([auth] tokens_file); null: authentication is off and every route is open.
  std::shared_ptr<auth::token_registry> tokens;
  // When set, the port speaks TLS only (mutual TLS when the context asks for client
  // certificates).
  std::shared_ptr<const tls_context> tls;
  // Cluster mode (contract section 11): what /v1/cluster and the members' internal routes ask
  // of the node; null when standalone.
  struct cluster_hooks {
    std::function<std::string()> status_json;  // GET /v1/cluster
    // readiness: then(true) when this member holds everything the cluster committed
    std::function<void(std::function<void(bool)>)> caught_up;
    std::function<std::string()> metrics_text;  // kv_raft_* families for /metrics
    // POST /v1/cluster/propose (a follower forwarding framed commands): done(200, framed
    // outcomes) or done(error status, message)
    std::function<void(std::string, std::function<void(int, std::string)>)> propose;
    // GET /v1/cluster/read_index: a barrier's index on the leader
    std::function<void(std::function<void(std::optional<std::uint64_t>)>)> read_index;
    // then(true) once this member holds every write acknowledged before the call (a watch that
    // resumes after a rev another member sent waits for it); false: no leader or no quorum.
    std::function<void(std::function<void(bool)>)> linearize;
  };
  std::shared_ptr<const cluster_hooks> cluster;
};

// What /v1/readiness reports: 503 unless serving. While recovering, the routes that read or
// write keys answer 503 too.
enum class node_phase { starting, recovering, serving, draining };

class http_server {
 public:
  // `metrics` must outlive the server; the server adds its HTTP families to it.
  http_server(server_options options, store_api store, feed_api feed,
              metrics::node_metrics& metrics);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Serves /socket.io/ with `handler` (the Socket.IO transport, which lives in its own
  // library); call before start().
  void mount_socketio(
      std::function<void(const class request&, const std::shared_ptr<class exchange>&)> handler);

  // Binds and serves on background threads. Throws std::runtime_error when it cannot listen.
  void start();
  std::uint16_t port() const;

  void set_phase(node_phase phase);
  // Requests (and streams) that have not finished their response yet.
  std::size_t in_flight() const;
  // Closes the listener and joins the HTTP threads; call once in_flight() is 0.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kv::http
