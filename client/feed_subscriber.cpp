// The feed's SUB socket on cppzmq. The socket lives and is used on one thread, as ZeroMQ
// requires; the context is declared first so that the socket closes before it.
#include "client/feed_subscriber.hpp"

#include <array>
#include <iterator>
#include <stdexcept>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace kv::client {

namespace {

// Where the SUB socket reports its connection; one subscriber per context, so one name does.
constexpr const char* monitor_endpoint = "inproc://feed-connection";

// libzmq's own CURVE client: the public key is derived from the secret one.
void use_curve(zmq::socket_t& socket, const curve_client& curve) {
  std::array<char, 41> public_key{};
  if (curve.secret_key.size() != 40 ||
      zmq_curve_public(public_key.data(), curve.secret_key.c_str()) != 0) {
    throw std::invalid_argument("the CURVE secret key is not a Z85 key of 40 characters");
  }
  std::array<std::uint8_t, 32> server_key{};
  if (curve.server_key.size() != 40 ||
      zmq_z85_decode(server_key.data(), curve.server_key.c_str()) == nullptr) {
    throw std::invalid_argument("the CURVE server key is not a Z85 key of 40 characters");
  }
  socket.set(zmq::sockopt::curve_serverkey, curve.server_key);
  socket.set(zmq::sockopt::curve_publickey, std::string(public_key.data(), 40));
  socket.set(zmq::sockopt::curve_secretkey, curve.secret_key);
}

}  // namespace

struct feed_subscriber::sockets {
  zmq::context_t context;
  zmq::socket_t socket{context, zmq::socket_type::sub};
  zmq::socket_t monitor{context, zmq::socket_type::pair};
};

feed_subscriber::feed_subscriber(const std::string& endpoint, const std::string& prefix,
                                 const std::optional<curve_client>& curve)
    : sockets_(std::make_unique<sockets>()) {
  sockets_->socket.set(zmq::sockopt::linger, 0);
  if (curve) use_curve(sockets_->socket, *curve);
  sockets_->socket.set(zmq::sockopt::subscribe, prefix);
  // Watched before connecting, so that a connection made at once is not missed.
  // The handshake, not the TCP connection: a port where something other than a ZeroMQ
  // publisher listens accepts the connection too.
  if (zmq_socket_monitor(sockets_->socket.handle(), monitor_endpoint,
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0) {
    throw zmq::error_t();
  }
  sockets_->monitor.connect(monitor_endpoint);
  try {
    sockets_->socket.connect(endpoint);
  } catch (const zmq::error_t& error) {
    throw std::invalid_argument("invalid feed endpoint `" + endpoint + "`: " + error.what());
  }
}

feed_subscriber::~feed_subscriber() = default;

bool feed_subscriber::wait_for_connection(std::chrono::milliseconds timeout) {
  sockets_->monitor.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
  zmq::message_t event;
  const bool connected = sockets_->monitor.recv(event).has_value();
  // Later reconnections would only pile up unread reports.
  zmq_socket_monitor(sockets_->socket.handle(), nullptr, 0);
  return connected;
}

feed_message feed_subscriber::next() {
  std::vector<zmq::message_t> frames;
  // No timeout: a watch waits for as long as nothing changes.
  if (!zmq::recv_multipart(sockets_->socket, std::back_inserter(frames))) {
    throw std::runtime_error("cannot read the feed");
  }
  if (frames.size() != 2) {
    throw std::runtime_error("unexpected message on the feed: " + std::to_string(frames.size()) +
                             " frames instead of 2 (key, event)");
  }
  return {frames[0].to_string(), frames[1].to_string()};
}

std::optional<std::string> feed_endpoint_problem(const std::string& endpoint) {
  try {
    feed_subscriber probe(endpoint, "");
    return std::nullopt;
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
}

}  // namespace kv::client
