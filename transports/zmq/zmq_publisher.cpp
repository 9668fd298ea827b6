// PUB socket set-up and sending. Why ZMQ_XPUB_NODROP: a plain PUB socket drops at a full
// subscriber queue without telling the sender, so drops could not be counted; with NODROP the
// send fails instead (EAGAIN) and we count the event as dropped. The cost: the event then
// reaches none of the subscribers of its key, not only the full one. Measured in README.md.
#include "transports/zmq/zmq_publisher.hpp"

#include <array>
#include <stdexcept>
#include <zmq.hpp>
#include <zmq_addon.hpp>

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

}  // namespace

struct zmq_publisher::sockets {
  zmq::context_t context;  // declared first, so that the socket is closed before it ends
  zmq::socket_t socket{context, zmq::socket_type::pub};
};

zmq_publisher::zmq_publisher(const std::string& endpoint, int high_water_mark)
    : sockets_(std::make_unique<sockets>()) {
  auto& socket = sockets_->socket;
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

bool zmq_publisher::publish(const feed_event_ptr& event) {
  std::array<zmq::message_t, 2> frames = {zmq::message_t(event->key.data(), event->key.size()),
                                          json_frame(event)};
  // ZeroMQ delivers the frames of a message all or none, so only the first can fail.
  return zmq::send_multipart(sockets_->socket, frames, zmq::send_flags::dontwait).has_value();
}

}  // namespace kv::zmq_feed
