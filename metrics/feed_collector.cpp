// One family per metric; the drop counter has a series per transport from the first scrape,
// so that a rate() over it works before the first drop.
#include "metrics/feed_collector.hpp"

#include "metrics/series.hpp"

namespace kv::metrics {

feed_collector::feed_collector(std::shared_ptr<const feed_counters> counters)
    : counters_(std::move(counters)) {}

std::vector<prometheus::MetricFamily> feed_collector::Collect() const {
  using prometheus::MetricType;
  const feed_counters& c = *counters_;
  return {
      {"kv_feed_events_total",
       "Change-feed events published; each event once, whatever the number of transports.",
       MetricType::Counter,
       {series(read(c.events), MetricType::Counter)}},
      {"kv_expired_keys_total",
       "Keys removed because their expiry deadline passed; each also a change-feed event.",
       MetricType::Counter,
       {series(read(c.expired), MetricType::Counter)}},
      {"kv_feed_dropped_total",
       "zmq: times a subscriber's queue was full, each costing that subscriber one event or "
       "more (ZeroMQ does not tell how many); sse: watch streams closed because their client "
       "fell behind; socketio: events dropped from a Socket.IO session whose client did not "
       "poll them in time; resp: SUBSCRIBE connections cut for not reading their messages.",
       MetricType::Counter,
       {series(read(c.publisher_dropped), MetricType::Counter, {{"transport", "zmq"}}),
        series(read(c.watches_cut) - read(c.resp_watcher_cuts), MetricType::Counter,
               {{"transport", "sse"}}),
        series(read(c.socketio_dropped), MetricType::Counter, {{"transport", "socketio"}}),
        series(read(c.resp_dropped), MetricType::Counter, {{"transport", "resp"}})}},
      {"kv_feed_subscribers",
       "Watch streams open now (GET /v1/watch), Socket.IO sessions (/socket.io/) and RESP "
       "subscriptions (SUBSCRIBE, PSUBSCRIBE).",
       MetricType::Gauge,
       {series(read(c.watches) - read(c.socketio_watches) - read(c.resp_watches), MetricType::Gauge,
               {{"transport", "sse"}}),
        series(read(c.socketio_sessions), MetricType::Gauge, {{"transport", "socketio"}}),
        series(read(c.resp_watches), MetricType::Gauge, {{"transport", "resp"}})}},
  };
}

}  // namespace kv::metrics
