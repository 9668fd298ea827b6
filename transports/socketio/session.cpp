// The session's state machine. Responders are called after the lock is released: they write
// to a connection, and a session's lock is never held across I/O.
#include "transports/socketio/session.hpp"

#include "transports/socketio/engineio_codec.hpp"

namespace kv::socketio {

engineio_session::engineio_session(std::string sid, std::string socket_sid, session_limits limits,
                                   clock::time_point now)
    : sid_(std::move(sid)),
      socket_sid_(std::move(socket_sid)),
      limits_(limits),
      next_ping_(now + limits.ping_interval) {}

receive_result engineio_session::receive(std::string_view body, clock::time_point) {
  std::optional<std::pair<poll_responder, poll_reply>> delivery;
  receive_result result = receive_result::ok;
  {
    const std::lock_guard lock(mutex_);
    if (ended_) return receive_result::closed;
    const auto packets = parse_eio_payload(body);
    if (!packets) {
      result = receive_result::bad_request;
    } else {
      for (const auto& packet : *packets) {
        if (packet.type == eio_type::close) {
          result = receive_result::closed;
          break;
        }
        if (packet.type == eio_type::pong) {
          ping_sent_.reset();
        } else if (packet.type == eio_type::ping) {
          // The pong echoes the ping's data; appended, as GCC 12 warns wrongly (-Wrestrict)
          // about "3" + std::string.
          std::string pong = "3";
          pong += packet.data;
          queue_control_locked(std::move(pong));
        } else if (packet.type == eio_type::message) {
          const auto message = parse_sio_packet(packet.data);
          if (!message) {
            result = receive_result::bad_request;
            break;
          }
          if (message->type == sio_type::connect) {
            if (message->nsp == "/") {
              joined_ = true;
              queue_control_locked(connect_ack_packet(socket_sid_));
            } else {
              queue_control_locked(connect_error_packet(message->nsp, "Invalid namespace"));
            }
          } else if (message->type == sio_type::disconnect && message->nsp == "/") {
            joined_ = false;
          }
          // Events and acks from the client: the service defines no handler for any.
        } else if (packet.type != eio_type::noop) {
          // open and upgrade: a server that offers no upgrade never receives either.
          result = receive_result::bad_request;
          break;
        }
      }
    }
    if (result == receive_result::ok) {
      delivery = take_delivery_locked();
    } else {
      ended_ = true;
      if (held_) delivery.emplace(std::move(held_), poll_reply{200, "6"});
      held_ = nullptr;
    }
  }
  if (delivery) delivery->first(std::move(delivery->second));
  return result;
}

void engineio_session::poll(poll_responder responder, clock::time_point) {
  std::optional<std::pair<poll_responder, poll_reply>> replaced;
  std::optional<std::pair<poll_responder, poll_reply>> delivery;
  {
    const std::lock_guard lock(mutex_);
    if (ended_) {
      delivery.emplace(std::move(responder), poll_reply{400, "\"Invalid session\""});
    } else {
      if (held_) replaced.emplace(std::move(held_), poll_reply{200, "6"});
      held_ = std::move(responder);
      delivery = take_delivery_locked();
    }
  }
  if (replaced) replaced->first(std::move(replaced->second));
  if (delivery) delivery->first(std::move(delivery->second));
}

offer_result engineio_session::offer(const std::shared_ptr<const std::string>& packet) {
  std::optional<std::pair<poll_responder, poll_reply>> delivery;
  {
    const std::lock_guard lock(mutex_);
    if (!joined_ || ended_) return offer_result::not_joined;
    if (queue_.size() >= limits_.max_queued_packets ||
        queued_bytes_ + packet->size() > limits_.max_queued_bytes) {
      return offer_result::dropped;
    }
    queued_bytes_ += packet->size();
    queue_.push_back(packet);
    delivery = take_delivery_locked();
  }
  if (delivery) delivery->first(std::move(delivery->second));
  return offer_result::queued;
}

bool engineio_session::tick(clock::time_point now) {
  std::optional<std::pair<poll_responder, poll_reply>> delivery;
  bool alive = true;
  {
    const std::lock_guard lock(mutex_);
    if (ended_) return false;
    if (ping_sent_ && now - *ping_sent_ >= limits_.ping_timeout) {
      ended_ = true;
      alive = false;
      // A poll still held belongs to a client that stopped answering: it reconnects.
      if (held_) delivery.emplace(std::move(held_), poll_reply{400, "\"Invalid session\""});
      held_ = nullptr;
    } else if (!ping_sent_ && now >= next_ping_) {
      queue_control_locked("2");
      ping_sent_ = now;
      next_ping_ = now + limits_.ping_interval;
      delivery = take_delivery_locked();
    }
  }
  if (delivery) delivery->first(std::move(delivery->second));
  return alive;
}

void engineio_session::end(poll_reply reply) {
  poll_responder held;
  {
    const std::lock_guard lock(mutex_);
    ended_ = true;
    held = std::move(held_);
    held_ = nullptr;
  }
  if (held) held(std::move(reply));
}

bool engineio_session::joined() const {
  const std::lock_guard lock(mutex_);
  return joined_ && !ended_;
}

std::optional<std::pair<poll_responder, poll_reply>> engineio_session::take_delivery_locked() {
  if (!held_ || queue_.empty()) return std::nullopt;
  poll_reply reply;
  for (std::size_t n = 0; n < limits_.packets_per_poll && !queue_.empty(); ++n) {
    append_to_payload(reply.body, *queue_.front());
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
  }
  auto responder = std::move(held_);
  held_ = nullptr;
  return std::make_pair(std::move(responder), std::move(reply));
}

// Control packets (acks, pings, pongs) are few and small and always go, whatever the bound.
void engineio_session::queue_control_locked(std::string packet) {
  queued_bytes_ += packet.size();
  queue_.push_back(std::make_shared<const std::string>(std::move(packet)));
}

}  // namespace kv::socketio
