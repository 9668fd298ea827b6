// Answers each ZAP request: 200 for a CURVE client whose public key is allowed, 400 otherwise.
// libzmq itself does the CURVE handshake and encryption; this only says who may finish it.
#include "transports/zmq/zap_handler.hpp"

#include <array>
#include <vector>
#include <zmq_addon.hpp>

#include "core/thread_name.hpp"

namespace kv::zmq_feed {
namespace {

constexpr auto poll_interval = std::chrono::milliseconds(100);

}  // namespace

zap_handler::zap_handler(zmq::context_t& context, std::set<std::string> allowed)
    : socket_(context, zmq::socket_type::rep), allowed_(std::move(allowed)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = named_thread("kv.zap", [this] { serve(); });
}

zap_handler::~zap_handler() {
  stopping_.store(true);
  thread_.join();
}

void zap_handler::serve() {
  while (!stopping_.load()) {
    std::array<zmq::pollitem_t, 1> items = {{{socket_.handle(), 0, ZMQ_POLLIN, 0}}};
    if (zmq::poll(items.data(), items.size(), poll_interval) == 0) continue;
    std::vector<zmq::message_t> request;
    if (!zmq::recv_multipart(socket_, std::back_inserter(request), zmq::recv_flags::dontwait)) {
      continue;
    }
    // version, request id, domain, address, routing id, mechanism, credentials...
    const bool well_formed = request.size() >= 6 && request[0].to_string_view() == "1.0";
    const bool admitted = well_formed && request[5].to_string_view() == "CURVE" &&
                          request.size() == 7 && allowed_.count(request[6].to_string()) == 1;
    const std::string request_id = request.size() > 1 ? request[1].to_string() : "";
    std::array<zmq::const_buffer, 6> reply = {
        zmq::str_buffer("1.0"),
        zmq::buffer(request_id),
        admitted ? zmq::str_buffer("200") : zmq::str_buffer("400"),
        admitted ? zmq::str_buffer("OK") : zmq::str_buffer("client key not allowed"),
        zmq::str_buffer(""),
        zmq::str_buffer("")};
    zmq::send_multipart(socket_, reply);
  }
  socket_.close();
}

}  // namespace kv::zmq_feed
