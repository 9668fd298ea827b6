// The listening socket and the loops that serve it.
#include "transports/resp/resp_server.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "metrics/node_metrics.hpp"
#include "transports/http/listener.hpp"
#include "transports/resp/loop.hpp"

namespace kv::resp {

struct resp_server::impl {
  std::shared_ptr<server_state> state;
  std::optional<http::listener> listening;
  std::vector<std::unique_ptr<loop>> loops;
};

resp_server::resp_server(resp_options options, store_api store, feed_api feed,
                         metrics::node_metrics& metrics)
    : impl_(std::make_unique<impl>()) {
  impl_->state = std::make_shared<server_state>(std::move(options), std::move(store),
                                                std::move(feed), metrics.registry());
}

resp_server::~resp_server() {
  stop();
}

void resp_server::listen() {
  if (impl_->listening) return;
  impl_->listening.emplace(impl_->state->options.host, impl_->state->options.port);
  impl_->state->port = impl_->listening->port();
}

void resp_server::start() {
  listen();
  const int threads = std::max(1, impl_->state->options.threads);
  for (int i = 0; i < threads; ++i) {
    impl_->loops.push_back(std::make_unique<loop>(impl_->listening->fd(), impl_->state));
  }
  for (auto& one : impl_->loops) one->start();
}

std::uint16_t resp_server::port() const {
  return impl_->state->port;
}

void resp_server::drain(std::chrono::milliseconds timeout) {
  for (auto& one : impl_->loops) one->close_all_when_idle();
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (impl_->state->connections_open.load() > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void resp_server::stop() {
  for (auto& one : impl_->loops) one->stop();
  impl_->loops.clear();
  impl_->listening.reset();
}

}  // namespace kv::resp
