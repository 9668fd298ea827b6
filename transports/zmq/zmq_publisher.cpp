// XPUB socket set-up and sending. A subscriber that stops reading loses only its own events
// (contract section 3), and each time its queue overflows publish() says so: see publish().
#include "transports/zmq/zmq_publisher.hpp"

#include <array>
#include <set>
#include <stdexcept>
#include <string_view>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "transports/zmq/curve_keys.hpp"
#include "transports/zmq/zap_handler.hpp"

namespace kv::zmq_feed {
namespace {

// The JSON frame is sent without a copy: ZeroMQ holds a reference to the shared event and
// releases it, on its I/O thread, once the frame is written to every subscriber.
void release_event(void*, void* held) {
  delete static_cast<feed_event_ptr*>(held);
}

zmq::message_t json_frame(const feed_event_ptr& event) {
  auto held = std::make_unique<feed_event_ptr>(event);
  zmq::message_t frame(const_cast<char*>(event->json.data()), event->json.size(), release_event,
                       held.get());
  static_cast<void>(held.release());  // the frame owns it now
  return frame;
}

// ZeroMQ delivers the frames of a message all or none, so only the first can be refused.
bool send(zmq::socket_t& socket, const feed_event_ptr& event) {
  std::array<zmq::message_t, 2> frames = {zmq::message_t(event->key.data(), event->key.size()),
                                          json_frame(event)};
  return zmq::send_multipart(socket, frames, zmq::send_flags::dontwait).has_value();
}

std::set<std::string> allowed_key_bytes(const std::vector<std::string>& allowed_clients) {
  std::set<std::string> keys;
  for (const auto& z85 : allowed_clients) {
    auto bytes = z85_key_bytes(z85);
    if (!bytes)
      throw std::runtime_error("feed.curve_allowed_clients: `" + z85 + "` is not a Z85 key");
    keys.insert(std::move(*bytes));
  }
  return keys;
}

}  // namespace

// XPUB, not PUB: the same to subscribers, and it tells which prefixes are subscribed to, so
// that an event nobody subscribes to is not handed to ZeroMQ at all.
struct zmq_publisher::sockets {
  zmq::context_t context;  // declared first, so that the sockets are closed before it ends
  std::unique_ptr<zap_handler> zap;  // with CURVE only; bound before the socket accepts anyone
  zmq::socket_t socket{context, zmq::socket_type::xpub};
  // The prefixes some subscriber holds. XPUB reports a prefix once when it gains its first
  // subscriber and once when it loses its last (an unsubscribe, or the subscriber gone).
  std::set<std::string, std::less<>> subscribed;

  // Reads what XPUB reported since the last call: [1, prefix...] or [0, prefix...]. Reading
  // also makes the socket take in new subscribers, as a send would.
  void read_subscriptions() {
    zmq::message_t message;
    while (socket.recv(message, zmq::recv_flags::dontwait)) {
      if (message.size() == 0) continue;
      const std::string_view bytes(message.data<char>(), message.size());
      if (bytes[0] == 1) {
        subscribed.emplace(bytes.substr(1));
      } else if (const auto found = subscribed.find(bytes.substr(1));
                 bytes[0] == 0 && found != subscribed.end()) {
        subscribed.erase(found);
      }
    }
  }
};

zmq_publisher::zmq_publisher(const std::string& endpoint, int high_water_mark,
                             const std::optional<curve_server>& curve)
    : sockets_(std::make_unique<sockets>()) {
  auto& socket = sockets_->socket;
  if (curve) {
    if (!z85_key_bytes(curve->secret_key)) {
      throw std::runtime_error("feed.curve_secret_key is not a Z85 CURVE key");
    }
    sockets_->zap =
        std::make_unique<zap_handler>(sockets_->context, allowed_key_bytes(curve->allowed_clients));
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, curve->secret_key);
  }
  socket.set(zmq::sockopt::linger, 0);  // shutting down never waits for slow subscribers
  socket.set(zmq::sockopt::sndhwm, high_water_mark);
  socket.set(zmq::sockopt::xpub_nodrop, 1);
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& error) {
    throw std::runtime_error("cannot bind the change feed at " + endpoint + ": " + error.what());
  }
}

zmq_publisher::~zmq_publisher() = default;

std::string zmq_publisher::bound_endpoint() const {
  return sockets_->socket.get(zmq::sockopt::last_endpoint);
}

bool zmq_publisher::publish(const feed_event_ptr& event) {
  sockets_->read_subscriptions();
  // ZeroMQ would send it to no one: a subscriber that joins later never gets earlier events.
  return sockets_->subscribed.empty() || send_to_subscribers(event);
}

// The subscription reports are read once for all the events: each read costs ZeroMQ two system
// calls (a poll of its command pipe and a getpid), a fifth of a pipelined SET's time when it was
// made per event.
std::size_t zmq_publisher::publish_all(const std::vector<feed_event_ptr>& events) {
  sockets_->read_subscriptions();
  if (sockets_->subscribed.empty()) return 0;
  std::size_t lost = 0;
  for (const auto& event : events) lost += send_to_subscribers(event) ? 0 : 1;
  return lost;
}

bool zmq_publisher::send_to_subscribers(const feed_event_ptr& event) {
  auto& socket = sockets_->socket;
  // A plain PUB socket drops at a full queue without telling the sender. With XPUB_NODROP the
  // send is refused instead, but then for every subscriber of the key. So the refusal serves
  // only as the signal: counted once, the event is sent again without it, reaching everyone but
  // the full subscriber. ZeroMQ then stops offering that subscriber events until it has read
  // its queue down, so the events after it go through at the first try and are not counted.
  if (send(socket, event)) return true;
  // The socket learns how far each subscriber has read from commands that a send processes
  // at most about once a millisecond; reading ZMQ_EVENTS processes all that are waiting, so a
  // subscriber that has in fact read its queue down is not taken for a full one.
  static_cast<void>(socket.get(zmq::sockopt::events));
  if (send(socket, event)) return true;
  socket.set(zmq::sockopt::xpub_nodrop, 0);
  send(socket, event);
  socket.set(zmq::sockopt::xpub_nodrop, 1);
  return false;
}

}  // namespace kv::zmq_feed
