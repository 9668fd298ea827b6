// One Engine.IO session over HTTP long-polling: what the server has queued for the client, the
// poll it holds open, and the ping timers that tell a live client from a gone one. The queue is
// bounded, so a client that stops polling costs a bounded amount of memory until it expires.
// Thread-safe; time comes in as arguments, so the timers are tested without waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace kv::socketio {

using clock = std::chrono::steady_clock;

struct session_limits {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  // Packets waiting for the client beyond these are dropped (and counted by the caller).
  std::size_t max_queued_packets = 1000;
  std::size_t max_queued_bytes = 1 << 20;
  // python-engineio's client refuses a payload of more than 16 packets.
  std::size_t packets_per_poll = 16;
};

// The answer to a long-poll GET: 200 with a payload, or an error status with its text.
struct poll_reply {
  int status = 200;
  std::string body;
};
using poll_responder = std::function<void(poll_reply)>;

enum class receive_result { ok, bad_request, closed };
enum class offer_result { queued, dropped, not_joined };

class engineio_session {
 public:
  engineio_session(std::string sid, std::string socket_sid, session_limits limits,
                   clock::time_point now);

  const std::string& sid() const { return sid_; }

  // A POST's body: Engine.IO packets, with Socket.IO packets inside messages. `closed` when
  // the client closed the session; `bad_request` (the session is then closed) for a body that
  // breaks the protocol.
  receive_result receive(std::string_view body, clock::time_point now);

  // A GET: answered at once when packets wait, else held until some are queued. A poll that
  // arrives while one is held replaces it; the older gets a NOOP.
  void poll(poll_responder responder, clock::time_point now);

  // A change-feed event (an encoded Socket.IO packet) for a client that joined namespace "/".
  offer_result offer(const std::shared_ptr<const std::string>& packet);

  // Sends a PING every ping_interval (which also answers a held poll in time); false once the
  // client let ping_timeout pass without a PONG: the session is over and its poll answered.
  bool tick(clock::time_point now);

  // Ends the session now, answering a held poll with `reply`.
  void end(poll_reply reply);

  bool joined() const;

 private:
  // Moves the held responder and up to packets_per_poll queued packets out, when both exist.
  std::optional<std::pair<poll_responder, poll_reply>> take_delivery_locked();
  void queue_control_locked(std::string packet);

  const std::string sid_;
  const std::string socket_sid_;
  const session_limits limits_;

  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  poll_responder held_;
  bool joined_ = false;
  bool ended_ = false;
  clock::time_point next_ping_;
  std::optional<clock::time_point> ping_sent_;  // a PING not yet answered
};

}  // namespace kv::socketio
