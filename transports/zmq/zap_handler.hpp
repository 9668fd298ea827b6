// The ZAP handler (ZeroMQ RFC 27) of the CURVE change feed: a thread that answers libzmq's
// authentication requests on inproc://zeromq.zap.01, admitting only the allowed client keys.
#pragma once

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace kv::zmq_feed {

class zap_handler {
 public:
  // Binds inproc://zeromq.zap.01 on `context` at once, so that it is there before any socket of
  // the context accepts a CURVE handshake. `allowed` holds 32-byte binary public keys.
  zap_handler(zmq::context_t& context, std::set<std::string> allowed);
  ~zap_handler();
  zap_handler(const zap_handler&) = delete;
  zap_handler& operator=(const zap_handler&) = delete;

 private:
  void serve();

  zmq::socket_t socket_;
  const std::set<std::string> allowed_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace kv::zmq_feed
