// feed_api calls become messages to the broker; publishers are spawned here first.
#include "actors/feed_api.hpp"

#include <caf/all.hpp>

#include "actors/feed_backend.hpp"
#include "actors/feed_messages.hpp"
#include "actors/publisher.hpp"

namespace kv {

void feed_api::watch(watch_request request, std::shared_ptr<watch_output> output) const {
  caf::anon_send(backend_->broker(), open_watch{std::move(request), std::move(output)});
}

void feed_api::add_publisher(publisher_factory make) const {
  auto publisher = spawn_publisher(backend_->system(), std::move(make), backend_->counters());
  caf::anon_send(backend_->broker(), publisher_joined{std::move(publisher)});
}

void feed_api::close_watches() const {
  caf::anon_send(backend_->broker(), caf::close_atom::value);
}

std::shared_ptr<const feed_counters> feed_api::counters() const {
  return backend_->counters();
}

}  // namespace kv
