// Reading, parsing, dispatching and writing on one connection; the loop that drives them; and
// the watch streams behind SUBSCRIBE and PSUBSCRIBE.
#include "transports/resp/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "transports/resp/commands.hpp"
#include "transports/resp/loop.hpp"
#include "transports/resp/subscription.hpp"

namespace kv::resp {
namespace {

constexpr std::size_t read_chunk = 64 << 10;
constexpr std::size_t max_iovecs = 256;
// Commands parsed before the batch of store calls is sent, so that a long pipeline keeps the
// partitions busy while the rest is parsed.
constexpr std::size_t batch_flush_commands = 128;

std::string peer_of(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
    std::string text = "[";
    text += host;
    text += "]:";
    text += std::to_string(port);
    return text;
  }
  return "?";
}

}  // namespace

// ---------------------------------------------------------------- reply slots

void reply_ref::send_value(std::string head, shared_bytes body) const {
  entry_->head = std::move(head);
  entry_->body = std::move(body);
  entry_->ready.store(true, std::memory_order_release);
  owner_->notify();
}

// ---------------------------------------------------------------- connection

connection::connection(int fd, loop& owner, std::shared_ptr<server_state> shared)
    : fd_(fd),
      owner_(owner),
      shared_(std::move(shared)),
      state_(*shared_),
      id_(state_.next_client_id.fetch_add(1, std::memory_order_relaxed)),
      peer_(peer_of(fd)),
      parser_([this] {
        parse_limits limits;
        limits.max_bulk_bytes =
            std::max(state_.options.max_value_bytes, state_.options.max_key_bytes);
        limits.max_command_bytes = std::max<std::size_t>(64 << 20, 4 * limits.max_bulk_bytes);
        return limits;
      }()) {
  state_.connections_received.fetch_add(1, std::memory_order_relaxed);
  state_.connections_open.fetch_add(1, std::memory_order_relaxed);
  state_.metrics.connection_opened();
}

connection::~connection() {
  close();
}

void connection::close() {
  if (closed_.exchange(true, std::memory_order_acq_rel)) return;
  for (auto& [name, sub] : channels_) sub->deactivate();
  for (auto& [name, sub] : patterns_) sub->deactivate();
  channels_.clear();
  patterns_.clear();
  {
    const std::lock_guard lock(push_mutex_);
    pushes_.clear();
  }
  ::close(fd_);
  state_.connections_open.fetch_sub(1, std::memory_order_relaxed);
  state_.metrics.connection_closed();
}

void connection::notify() {
  // A closed connection's loop may be gone (a store answer after the server stopped).
  if (closed()) return;
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    owner_.post(shared_from_this());
  }
}

void connection::push(std::string bytes, std::function<void()> written) {
  if (closed()) return;
  const std::size_t size = bytes.size();
  if (push_bytes_.fetch_add(size, std::memory_order_relaxed) + size >
      state_.options.max_pending_push_bytes) {
    return cut_subscriber();
  }
  {
    const std::lock_guard lock(push_mutex_);
    pushes_.emplace_back(std::move(bytes), std::move(written));
  }
  notify();
}

void connection::cut_subscriber() {
  cut_requested_.store(true, std::memory_order_release);
  notify();
}

void connection::close_when_idle() {
  close_requested_.store(true, std::memory_order_release);
  notify();
}

store_api::batch& connection::batch() {
  return owner_.batch();
}

reply_ref connection::new_reply(bool barrier) {
  barrier = barrier || state_.one_command_at_a_time;
  reply_entry& entry = replies_.emplace_back();
  entry.barrier = barrier;
  if (barrier) barrier_ = &entry;
  return reply_ref(shared_from_this(), &entry);
}

void connection::reply_now(std::string bytes, bool close_after) {
  reply_entry& entry = replies_.emplace_back();
  entry.head = std::move(bytes);
  entry.close_after = close_after;
  entry.ready.store(true, std::memory_order_relaxed);
  if (close_after) closing_ = true;
}

const auth::token_grant* connection::grant() {
  return grant_ptr().get();
}

std::shared_ptr<const auth::token_grant> connection::grant_ptr() {
  if (!state_.options.tokens || !grant_) return grant_;
  // After SIGHUP re-read the tokens file, the token presented is looked up again: a token
  // taken out of the file stops working on connections that are already open.
  auto current = state_.options.tokens->current();
  if (current != grant_set_) {
    const auth::token_grant* found = current->find(token_);
    grant_ = found ? std::shared_ptr<const auth::token_grant>(current, found) : nullptr;
    grant_set_ = std::move(current);
  }
  return grant_;
}

bool connection::authenticate(std::string_view token, std::optional<std::string_view> user) {
  auto current = state_.options.tokens->current();
  const auth::token_grant* found = current->find(token);
  if (found == nullptr || (user && *user != "default" && *user != found->name)) return false;
  token_ = std::string(token);
  grant_ = std::shared_ptr<const auth::token_grant>(current, found);
  grant_set_ = std::move(current);
  return true;
}

std::size_t connection::subscribe(std::string_view channel, bool pattern) {
  auto& table = pattern ? patterns_ : channels_;
  if (table.find(channel) == table.end()) {
    std::optional<auth::live_grant> grant;
    if (state_.options.tokens) grant.emplace(state_.options.tokens, grant_ptr());
    auto sub = std::make_shared<subscription>(shared_from_this(), std::string(channel), pattern,
                                              std::move(grant));
    watch_request request;
    request.prefix = sub->prefix();
    state_.feed.watch(std::move(request), sub);
    table.emplace(std::string(channel), std::move(sub));
  }
  return subscription_count();
}

std::size_t connection::unsubscribe(std::string_view channel, bool pattern) {
  auto& table = pattern ? patterns_ : channels_;
  if (const auto found = table.find(channel); found != table.end()) {
    found->second->deactivate();
    table.erase(found);
  }
  return subscription_count();
}

std::vector<std::string> connection::subscribed(bool pattern) const {
  std::vector<std::string> names;
  for (const auto& [name, sub] : pattern ? patterns_ : channels_) names.push_back(name);
  return names;
}

// ---- the loop thread

void connection::on_event(std::uint32_t events) {
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) return close();
  if ((events & EPOLLOUT) != 0) {
    write_blocked_ = false;
    flush_output();
  }
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0) input_pending_ = true;
  if ((events & EPOLLRDHUP) != 0) peer_finished_ = true;
  serve_input();
}

void connection::on_wake() {
  // Acquires what every notify() before it released; a notify() after it posts again.
  wake_pending_.exchange(false, std::memory_order_acq_rel);
  if (closed()) return;
  if (cut_requested_.load(std::memory_order_acquire)) return cut_now();
  if (close_requested_.load(std::memory_order_acquire)) closing_ = true;
  take_pushes();
  flush_output();
  serve_input();
}

void connection::cut_now() {
  state_.subscribers_cut.fetch_add(1, std::memory_order_relaxed);
  state_.feed.counters()->resp_dropped.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("RESP: cut subscriber {} (client {}): it did not read its messages in time", peer_,
               id_);
  // Reset rather than leave what it never read in the kernel for as long as it stays.
  const linger reset{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close();
}

void connection::take_pushes() {
  std::vector<std::pair<std::string, std::function<void()>>> taken;
  {
    const std::lock_guard lock(push_mutex_);
    taken.swap(pushes_);
  }
  for (auto& [bytes, written] : taken) {
    reply_entry& entry = replies_.emplace_back();
    entry.head = std::move(bytes);
    entry.written = std::move(written);
    entry.ready.store(true, std::memory_order_relaxed);
  }
}

bool connection::paused() const {
  return closing_ || write_blocked_ || replies_.size() >= state_.options.max_in_flight ||
         (barrier_ != nullptr && !barrier_->ready.load(std::memory_order_acquire));
}

void connection::serve_input() {
  while (!closed() && !paused()) {
    if (!run_buffered()) break;
    if (!input_pending_) break;
    // Room for the next read: what is parsed goes, and a command that announced its size gets
    // room for all of it at once.
    if (input_start_ == input_end_) {
      input_start_ = input_end_ = 0;
    } else if (input_start_ > 0 &&
               (input_start_ >= input_.size() / 2 || input_.size() - input_end_ < read_chunk / 4)) {
      std::memmove(input_.data(), input_.data() + input_start_, input_end_ - input_start_);
      input_end_ -= input_start_;
      input_start_ = 0;
    }
    const std::size_t wanted = std::max(input_end_ + read_chunk, input_start_ + parser_.needed());
    if (input_.size() < wanted) input_.resize(wanted);
    const std::size_t room = input_.size() - input_end_;
    const ssize_t n = ::recv(fd_, input_.data() + input_end_, room, 0);
    if (n > 0) {
      input_end_ += static_cast<std::size_t>(n);
      // A short read emptied the socket, and edge-triggered epoll reports whatever arrives
      // next: the read that could only say EAGAIN is skipped (a third of an unpipelined
      // command's system calls). Once the peer's FIN was reported, reads go on to the end.
      if (static_cast<std::size_t>(n) < room && !peer_finished_) input_pending_ = false;
      continue;
    }
    if (n == 0) {
      // The client will send nothing more (`nc` after its input, or a client gone): what it
      // sent runs, and the connection closes once the replies are out or cannot be written.
      closing_ = true;
      input_pending_ = false;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      input_pending_ = false;
      break;
    }
    return close();
  }
  if (closed()) return;
  // The batch is not submitted here: the loop sends it once its turn has served every ready
  // connection, so that a partition gets one message for all of them.
  // A large read buffer left over from one big value is given back once it is empty.
  if (input_start_ == input_end_ && input_.size() > 4 * read_chunk) {
    input_.clear();
    input_.shrink_to_fit();
    input_start_ = input_end_ = 0;
  }
  flush_output();
}

bool connection::run_buffered() {
  std::size_t since_flush = 0;
  while (input_start_ < input_end_) {
    if (paused()) {
      owner_.batch().submit();
      return false;
    }
    const std::string_view buffered(input_.data() + input_start_, input_end_ - input_start_);
    switch (parser_.parse(buffered)) {
      case parse_status::incomplete:
        return true;
      case parse_status::error:
        fail_protocol(parser_.error());
        return false;
      case parse_status::empty:
        input_start_ += parser_.consumed();
        continue;
      case parse_status::complete:
        break;
    }
    const std::size_t consumed = parser_.consumed();
    dispatch(parser_.args());
    input_start_ += consumed;
    if (++since_flush >= batch_flush_commands) {
      owner_.batch().submit();
      since_flush = 0;
    }
  }
  return true;
}

void connection::fail_protocol(const std::string& message) {
  std::string reply;
  append_error(reply, message);
  reply_now(std::move(reply), true);
  spdlog::debug("RESP: closing client {} ({}): {}", id_, peer_, message);
}

void connection::dispatch(const std::vector<std::string_view>& args) {
  state_.commands_processed.fetch_add(1, std::memory_order_relaxed);
  const command_spec* spec = find_command(args.front());
  // Inside MULTI, a command refused now makes EXEC refuse the whole transaction, as in Redis.
  const bool refused_in_transaction = transaction_.has_value();
  if (spec == nullptr) {
    transaction_failed_ = refused_in_transaction;
    state_.metrics.count_command(command_table().size());
    // Redis 7's wording, with the name and the first arguments cut to 128 bytes each.
    std::string message = "ERR unknown command '" + std::string(args.front().substr(0, 128)) +
                          "', with args beginning with: ";
    for (std::size_t i = 1; i < args.size() && message.size() < 1024; ++i) {
      message += '\'';
      message += args[i].substr(0, 128);
      message += "' ";
    }
    std::string reply;
    append_error(reply, message);
    return reply_now(std::move(reply));
  }
  state_.metrics.count_command(command_index(*spec));
  std::string reply;
  if ((spec->arity > 0 && args.size() != static_cast<std::size_t>(spec->arity)) ||
      (spec->arity < 0 && args.size() < static_cast<std::size_t>(-spec->arity))) {
    append_error(reply,
                 "ERR wrong number of arguments for '" + std::string(spec->name) + "' command");
    transaction_failed_ = refused_in_transaction;
    return reply_now(std::move(reply));
  }
  if (!spec->before_auth && !authenticated()) {
    transaction_failed_ = refused_in_transaction;
    return reply_now("-NOAUTH Authentication required.\r\n");
  }
  if (!spec->when_subscribed && subscription_count() > 0) {
    append_error(reply, "ERR Can't execute '" + std::string(spec->name) +
                            "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                            "are allowed in this context");
    return reply_now(std::move(reply));
  }
  if (transaction_ && !spec->controls_transaction) {
    transaction_->emplace_back(args.begin(), args.end());
    return reply_now("+QUEUED\r\n");
  }
  run(*spec, args);
}

void connection::run(const command_spec& spec, const std::vector<std::string_view>& args) {
  command_call call{*this, args};
  spec.run(call);
}

void connection::begin_transaction() {
  if (transaction_) return reply_now("-ERR MULTI calls can not be nested\r\n");
  transaction_.emplace();
  transaction_failed_ = false;
  reply_now("+OK\r\n");
}

void connection::discard_transaction() {
  if (!transaction_) return reply_now("-ERR DISCARD without MULTI\r\n");
  transaction_.reset();
  reply_now("+OK\r\n");
}

// The queued commands run one after the other, their replies making up EXEC's array on the
// wire: its header first, then each reply in order, as each command would have written it.
void connection::execute_transaction() {
  if (!transaction_) return reply_now("-ERR EXEC without MULTI\r\n");
  auto queued = std::move(*transaction_);
  transaction_.reset();
  if (std::exchange(transaction_failed_, false)) {
    return reply_now("-EXECABORT Transaction discarded because of previous errors.\r\n");
  }
  std::string header;
  append_array_header(header, queued.size());
  reply_now(std::move(header));
  for (const auto& command : queued) {
    const std::vector<std::string_view> args(command.begin(), command.end());
    // Checked when it was queued: the name and arity cannot have changed.
    run(*find_command(args.front()), args);
  }
}

void connection::flush_output() {
  while (!closed() && !write_blocked_) {
    iovec vectors[max_iovecs];
    std::size_t count = 0;
    std::size_t total = 0;
    static constexpr char crlf[] = "\r\n";
    for (auto it = replies_.begin(); it != replies_.end() && count + 3 <= max_iovecs; ++it) {
      if (!it->ready.load(std::memory_order_acquire)) break;
      // Pieces of this entry not yet sent: head, body, CRLF.
      std::size_t skip = it->sent;
      auto add = [&](const char* data, std::size_t size) {
        if (skip >= size) {
          skip -= size;
          return;
        }
        vectors[count++] = {const_cast<char*>(data) + skip, size - skip};
        total += size - skip;
        skip = 0;
      };
      add(it->head.data(), it->head.size());
      if (it->body) {
        add(it->body.view().data(), it->body.size());
        add(crlf, 2);
      }
      if (it->close_after) break;
    }
    if (count == 0) break;
    const ssize_t n = ::writev(fd_, vectors, static_cast<int>(count));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        write_blocked_ = true;
        break;
      }
      return close();
    }
    // Retire what left whole.
    auto left = static_cast<std::size_t>(n);
    while (!replies_.empty() && replies_.front().ready.load(std::memory_order_acquire)) {
      reply_entry& front = replies_.front();
      const std::size_t remaining = front.size() - front.sent;
      if (left < remaining) {
        front.sent += left;
        left = 0;
        break;
      }
      left -= remaining;
      front.sent = front.size();
      const bool close_after = front.close_after;
      if (front.written) {
        push_bytes_.fetch_sub(front.head.size(), std::memory_order_relaxed);
        front.written();
      }
      if (barrier_ == &front) barrier_ = nullptr;
      replies_.pop_front();
      if (close_after) return close();
    }
    if (static_cast<std::size_t>(n) < total) {
      write_blocked_ = true;
      break;
    }
  }
  // A closing connection (QUIT and protocol errors close with their reply) with nothing left
  // to send: the node drains.
  if (closing_ && replies_.empty() && !closed()) close();
}

}  // namespace kv::resp
