// Sessions by id, the timer thread that pings them and expires the gone, and the feed hub that
// turns each change into one encoded key_update packet shared by every session's queue.
#include "transports/socketio/socketio_server.hpp"

#include <condition_variable>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/base64.hpp"
#include "core/thread_name.hpp"
#include "transports/socketio/engineio_codec.hpp"

namespace kv::socketio {
namespace {

constexpr std::string_view engineio_text = "text/plain; charset=UTF-8";

// URL-safe, since the client appends it to its URLs as it is.
std::string random_id() {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device source;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    auto word = source();
    for (int j = 0; j < 8; ++j, word >>= 4) id.push_back(digits[word & 15]);
  }
  return id;
}

void send_error(const http::exchange_ptr& ex, int status, std::string_view message) {
  ex->send(status, nlohmann::json(message).dump(), engineio_text);
}

// What the Flask service prints for a value: the text GET prints, None for JSON null, and a
// JSON string's own text (it only ever stored strings and None).
std::string python_value(const nlohmann::json& event) {
  const auto value = event.find("value");
  if (value == event.end() || !value->is_string()) return "None";
  auto text = base64_decode(value->get<std::string>()).value_or("");
  const auto type = event.find("type");
  if (type != event.end() && *type == "json") {
    const auto document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_null()) return "None";
    if (document.is_string()) return document.get<std::string>();
  }
  return text;
}

}  // namespace

std::optional<std::string> key_update_text(std::string_view event_json) {
  const auto event = nlohmann::json::parse(event_json, nullptr, false);
  if (!event.is_object() || !event.value("op", nlohmann::json()).is_string() ||
      !event.value("key", nlohmann::json()).is_string()) {
    return std::nullopt;
  }
  const auto key = event["key"].get<std::string>();
  const auto op = event["op"].get<std::string>();
  if (op == "put") return "Key: " + key + " set with value: " + python_value(event);
  if (op == "delete") return "Key: " + key + " deleted";
  if (op == "expire") return "Key: " + key + " expired";
  return std::nullopt;
}

struct socketio_server::impl : std::enable_shared_from_this<impl> {
  impl(feed_api feed_in, socketio_options options_in)
      : feed(std::move(feed_in)), options(options_in), counters(feed.counters()) {}

  std::vector<std::shared_ptr<engineio_session>> snapshot() {
    const std::lock_guard lock(mutex);
    std::vector<std::shared_ptr<engineio_session>> all;
    all.reserve(sessions.size());
    for (const auto& [sid, session] : sessions) all.push_back(session);
    return all;
  }

  std::shared_ptr<engineio_session> find(const std::string& sid) {
    const std::lock_guard lock(mutex);
    const auto found = sessions.find(sid);
    return found == sessions.end() ? nullptr : found->second;
  }

  void remove(const std::string& sid) {
    const std::lock_guard lock(mutex);
    if (sessions.erase(sid) != 0) {
      counters->socketio_sessions.store(static_cast<std::int64_t>(sessions.size()));
    }
  }

  // Every change becomes one packet, encoded once and shared by the sessions' queues.
  void publish(const std::vector<feed_event_ptr>& events) {
    if (counters->socketio_sessions.load(std::memory_order_relaxed) == 0) return;
    const auto targets = snapshot();
    for (const auto& event : events) {
      const auto text = key_update_text(event->json);
      if (!text) continue;
      const auto packet = std::make_shared<const std::string>(event_packet(
          "key_update", nlohmann::json{{"data", *text}}.dump(
                            -1, ' ', false, nlohmann::json::error_handler_t::replace)));
      for (const auto& session : targets) {
        if (session->offer(packet) == offer_result::dropped) {
          counters->socketio_dropped.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
  }

  // The node drains: each held poll fails, so that clients reconnect to whatever serves next.
  void end_all() {
    for (const auto& session : snapshot()) {
      session->end({503, "\"the node is shutting down\""});
      remove(session->sid());
    }
  }

  void ensure_feed();
  void run_timer();
  void handshake(const http::exchange_ptr& ex);

  const feed_api feed;
  const socketio_options options;
  const std::shared_ptr<const feed_counters> counters;

  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<engineio_session>> sessions;
  bool feed_open = false;
  bool stopping = false;
  std::condition_variable wake;
  std::thread timer;
};

namespace {

// The transport's one watch stream. It takes each chunk of events at once (the sessions'
// bounded queues are where a slow client's events wait or are dropped), so the watcher never
// falls behind on its account.
class session_feed : public watch_output {
 public:
  explicit session_feed(std::weak_ptr<socketio_server::impl> server) : server_(std::move(server)) {}

  void send_events(const std::vector<feed_event_ptr>& events,
                   std::function<void()> written) override {
    if (const auto server = server_.lock()) server->publish(events);
    written();
  }
  void send_reset(std::uint64_t, std::uint64_t, std::function<void()> written) override {
    written();
  }
  void send_position(std::uint64_t, std::function<void()> written) override { written(); }
  void send_heartbeat(std::function<void()> written) override { written(); }
  bool connected() const override { return !server_.expired(); }
  void finish() override { close(); }
  void disconnect() override { close(); }

 private:
  void close() {
    const auto server = server_.lock();
    if (!server) return;
    {
      const std::lock_guard lock(server->mutex);
      server->feed_open = false;
    }
    server->counters->socketio_watches.store(0);
    server->end_all();
  }

  std::weak_ptr<socketio_server::impl> server_;
};

}  // namespace

// Opened with the first session rather than at start, so a node nobody watches this way
// spends nothing on it; opened again after a drain or a cut.
void socketio_server::impl::ensure_feed() {
  {
    const std::lock_guard lock(mutex);
    if (feed_open) return;
    feed_open = true;
  }
  counters->socketio_watches.store(1);
  feed.watch(watch_request{}, std::make_shared<session_feed>(weak_from_this()));
}

void socketio_server::impl::run_timer() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    wake.wait_for(lock, options.tick_interval);
    if (stopping) break;
    lock.unlock();
    const auto now = clock::now();
    for (const auto& session : snapshot()) {
      if (!session->tick(now)) remove(session->sid());
    }
    lock.lock();
  }
}

void socketio_server::impl::handshake(const http::exchange_ptr& ex) {
  const std::string sid = random_id();
  {
    const std::lock_guard lock(mutex);
    if (sessions.size() >= options.max_sessions) {
      return send_error(ex, 503, "too many Socket.IO sessions");
    }
    sessions.emplace(
        sid, std::make_shared<engineio_session>(sid, random_id(), options.limits, clock::now()));
    counters->socketio_sessions.store(static_cast<std::int64_t>(sessions.size()));
  }
  ensure_feed();
  ex->send(
      200,
      open_packet(sid, options.limits.ping_interval.count(), options.limits.ping_timeout.count()),
      engineio_text);
}

socketio_server::socketio_server(feed_api feed, socketio_options options)
    : impl_(std::make_shared<impl>(std::move(feed), options)) {
  impl_->timer = named_thread("kv.socketio", [server = impl_.get()] { server->run_timer(); });
}

socketio_server::~socketio_server() {
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->timer.join();
  impl_->end_all();
}

void socketio_server::serve(const http::request& request, const http::exchange_ptr& ex) {
  if (request.request_method() == http::method::options) return ex->send_empty(200);
  if (request.query("EIO") != std::optional<std::string_view>("4")) {
    return send_error(ex, 400,
                      "The client is using an unsupported version of the Socket.IO or Engine.IO "
                      "protocols");
  }
  if (request.query("transport") != std::optional<std::string_view>("polling")) {
    return send_error(ex, 400, "Invalid transport");
  }
  const auto sid = request.query("sid");
  if (!sid) {
    if (request.request_method() != http::method::get)
      return send_error(ex, 400, "Invalid session");
    return impl_->handshake(ex);
  }
  const auto session = impl_->find(std::string(*sid));
  if (!session) return send_error(ex, 400, "Invalid session");
  if (request.request_method() == http::method::get) {
    return session->poll(
        [ex](const poll_reply& reply) { ex->send(reply.status, reply.body, engineio_text); },
        clock::now());
  }
  switch (session->receive(request.body(), clock::now())) {
    case receive_result::ok:
      return ex->send(200, "OK", engineio_text);
    case receive_result::closed:
      impl_->remove(session->sid());
      return ex->send(200, "OK", engineio_text);
    case receive_result::bad_request:
      impl_->remove(session->sid());
      return send_error(ex, 400, "Bad Request");
  }
}

}  // namespace kv::socketio
