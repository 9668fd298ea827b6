// One RESP client connection, served by the epoll loop that owns it (loop.hpp): that thread
// reads, parses, dispatches and writes; the store's answers, which arrive on actor threads, only
// fill the reply slot they were given and wake the loop, which writes every reply that is ready
// at the head of the connection's queue with one writev, in request order.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/feed_api.hpp"
#include "actors/store_api.hpp"
#include "auth/token_registry.hpp"
#include "core/shared_bytes.hpp"
#include "transports/resp/protocol.hpp"
#include "transports/resp/resp_metrics.hpp"
#include "transports/resp/resp_server.hpp"
#include "transports/resp/scan_cursors.hpp"

namespace kv::resp {

class connection;
class loop;
using connection_ptr = std::shared_ptr<connection>;

// What every connection of one server shares.
struct server_state {
  server_state(resp_options options_in, store_api store_in, feed_api feed_in,
               prometheus::Registry& registry)
      : options(std::move(options_in)),
        store(std::move(store_in)),
        feed(std::move(feed_in)),
        metrics(registry),
        one_command_at_a_time(store.replicated()) {}

  const resp_options options;
  const store_api store;
  const feed_api feed;
  resp_metrics metrics;
  // Cluster mode: a connection's commands go through the raft log one after the other, as a
  // forwarded write and a barrier read could otherwise overtake each other.
  const bool one_command_at_a_time;
  scan_cursors cursors;
  std::uint16_t port = 0;
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> next_client_id{1};
  std::atomic<std::uint64_t> connections_received{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> commands_processed{0};
  std::atomic<std::uint64_t> subscribers_cut{0};
};

// One reply slot, in request order. The loop thread creates it; whoever answers the command
// (the loop itself, or an actor thread) fills head and body and then sets `ready`.
struct reply_entry {
  std::string head;
  shared_bytes body;  // when set: sent after head, without a copy, followed by CRLF
  std::atomic<bool> ready{false};
  // Parsing of the connection's later commands waits until this reply is ready.
  bool barrier = false;
  bool close_after = false;       // QUIT: close once this reply is written
  std::function<void()> written;  // a pub/sub push: the watcher's callback once written
  std::size_t sent = 0;

  std::size_t size() const { return head.size() + (body ? body.size() + 2 : 0); }
};

// A handle on one reply slot, given to the code that will answer it, on any thread.
class reply_ref {
 public:
  reply_ref(connection_ptr owner, reply_entry* entry) : owner_(std::move(owner)), entry_(entry) {}
  void send(std::string bytes) const { send_value(std::move(bytes), nullptr); }
  // `head` then `body` (a stored value, not copied) and CRLF.
  void send_value(std::string head, shared_bytes body) const;
  connection& owner() const { return *owner_; }

 private:
  connection_ptr owner_;
  reply_entry* entry_;
};

class subscription;  // transports/resp/subscription.hpp
struct command_spec;

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(int fd, loop& owner, std::shared_ptr<server_state> state);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // ---- the loop thread ----
  int fd() const { return fd_; }
  void on_event(std::uint32_t events);
  // Replies or pushes arrived from other threads.
  void on_wake();
  void close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // ---- any thread ----
  // A reply slot was filled: the loop writes it.
  void notify();
  // A pub/sub message for this connection; `written` runs once it has left. Past the pending
  // limit the connection is cut instead.
  void push(std::string bytes, std::function<void()> written);
  // A subscriber that fell behind: the loop cuts the connection and counts it.
  void cut_subscriber();
  // The node drains: the loop closes the connection once its replies are out.
  void close_when_idle();
  bool open() const { return !closed(); }

  // ---- for the command handlers, on the loop thread ----
  server_state& state() { return state_; }
  // Calls on single keys, sent by the loop with those of its other connections.
  store_api::batch& batch();
  // Sends the batch, so that a call made directly to the store comes after it.
  void submit_batch() { batch().submit(); }
  // A slot for the current command's reply; `barrier` holds the connection's later commands
  // until it is filled.
  reply_ref new_reply(bool barrier = false);
  // The current command's reply, known at once.
  void reply_now(std::string bytes, bool close_after = false);

  std::uint64_t id() const { return id_; }
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::string& peer() const { return peer_; }
  std::chrono::steady_clock::time_point connected_at() const { return connected_at_; }

  // Authentication: whether the connection may run commands, and the grant it runs them with
  // (null when authentication is off).
  bool authenticated() const { return !state_.options.tokens || grant_ != nullptr; }
  const auth::token_grant* grant();
  std::shared_ptr<const auth::token_grant> grant_ptr();
  // Checks a token (AUTH); with `user`, the user must be "default" or the token's name.
  bool authenticate(std::string_view token, std::optional<std::string_view> user);

  // Pub/sub: channels and patterns subscribed to.
  std::size_t subscription_count() const { return channels_.size() + patterns_.size(); }
  std::size_t subscribe(std::string_view channel, bool pattern);  // the count after
  std::size_t unsubscribe(std::string_view channel, bool pattern);
  std::vector<std::string> subscribed(bool pattern) const;

  // MULTI, EXEC and DISCARD: commands queued, then run in order with one array of replies.
  // Other clients' commands may come between them: there is no isolation, and no WATCH.
  void begin_transaction();
  void execute_transaction();
  void discard_transaction();

 private:
  void serve_input();
  // Parses and runs what the buffer holds; false when it must stop (paused or closed).
  bool run_buffered();
  bool paused() const;
  void dispatch(const std::vector<std::string_view>& args);
  void run(const command_spec& spec, const std::vector<std::string_view>& args);
  void flush_output();
  void take_pushes();
  void fail_protocol(const std::string& message);
  void cut_now();

  const int fd_;
  loop& owner_;  // used only while the connection is open, which the loop outlives
  // Shared, since a store answer may reach a connection after its server stopped.
  const std::shared_ptr<server_state> shared_;
  server_state& state_;
  const std::uint64_t id_;
  std::string peer_;
  std::string name_;
  const std::chrono::steady_clock::time_point connected_at_ = std::chrono::steady_clock::now();
  std::atomic<bool> closed_{false};

  // Loop thread only.
  command_parser parser_;
  std::vector<char> input_;
  std::size_t input_start_ = 0;  // first byte not parsed yet
  std::size_t input_end_ = 0;
  bool input_pending_ = true;   // the socket may hold more than was read
  bool peer_finished_ = false;  // epoll reported the peer's FIN: read until recv says 0
  bool write_blocked_ = false;  // the last write found the socket full
  bool closing_ = false;        // QUIT, a protocol error or drain: no more commands
  std::deque<reply_entry> replies_;
  reply_entry* barrier_ = nullptr;
  std::map<std::string, std::shared_ptr<subscription>, std::less<>> channels_;
  std::map<std::string, std::shared_ptr<subscription>, std::less<>> patterns_;
  std::shared_ptr<const auth::token_set> grant_set_;
  std::shared_ptr<const auth::token_grant> grant_;
  std::string token_;  // the token AUTH presented, to find its grant again after a reload
  // Inside MULTI: the commands queued (copies: the read buffer moves on), and whether one was
  // refused, which makes EXEC refuse them all.
  std::optional<std::vector<std::vector<std::string>>> transaction_;
  bool transaction_failed_ = false;

  // Shared with other threads.
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> cut_requested_{false};
  std::atomic<bool> close_requested_{false};
  std::mutex push_mutex_;
  std::vector<std::pair<std::string, std::function<void()>>> pushes_;
  std::atomic<std::size_t> push_bytes_{0};
};

}  // namespace kv::resp
