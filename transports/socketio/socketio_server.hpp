// The Socket.IO transport: Engine.IO 4 long-polling at /socket.io/ on the HTTP server, no
// WebSocket upgrade offered, and every change of the store pushed to each connected client as
// yuvraj9's `key_update` event (dialects.md section 4). It is fed by the change feed like an
// SSE watch, through one watch stream that fans out to the sessions.
#pragma once

#include <memory>

#include "actors/feed_api.hpp"
#include "transports/http/exchange.hpp"
#include "transports/http/request.hpp"
#include "transports/socketio/session.hpp"

namespace kv::socketio {

struct socketio_options {
  session_limits limits;
  // Handshakes past this many open sessions are refused (503) until some expire.
  std::size_t max_sessions = 10000;
  // How often sessions are checked for pings due and clients gone.
  std::chrono::milliseconds tick_interval{500};
};

class socketio_server {
 public:
  socketio_server(feed_api feed, socketio_options options);
  // Ends every session and stops the timer thread.
  ~socketio_server();
  socketio_server(const socketio_server&) = delete;
  socketio_server& operator=(const socketio_server&) = delete;

  // One request to /socket.io/ (GET: handshake or long-poll; POST: packets; OPTIONS).
  void serve(const http::request& request, const http::exchange_ptr& ex);

  struct impl;  // sessions, timer thread and feed hub, in socketio_server.cpp

 private:
  std::shared_ptr<impl> impl_;
};

// The data of the key_update event for one change-feed event's JSON, as the Flask service
// words it: "Key: K set with value: V" (V as Python prints it: None for JSON null),
// "Key: K deleted", or "Key: K expired". Nothing for JSON that is not an event.
std::optional<std::string> key_update_text(std::string_view event_json);

}  // namespace kv::socketio
