// A raft_uv transport that accepts DNS names: it resolves a peer's "HOST:PORT" at each connect
// and hands the IPv4 literal to raft_uv's TCP transport, which takes literals only (raft 0.15);
// it also tunes each peer connection raft_uv makes or accepts (no Nagle, a bound on silence).
#include "cluster/resolving_transport.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <set>
#include <string>
#include <utility>

namespace kv::cluster {
namespace {

struct transport_state;

// One connect in flight: first a name lookup on libuv's thread pool, then the TCP connect,
// which raft is told failed if it takes longer than connect_limit_ms (see on_connect_slow).
struct pending_connect {
  transport_state* owner = nullptr;
  raft_uv_connect* request = nullptr;  // raft's, answered through `done`
  raft_uv_connect_cb done = nullptr;
  raft_id id = 0;
  std::string port;
  std::string literal;  // "A.B.C.D:PORT", alive until the TCP connect answers
  uv_getaddrinfo_t lookup{};
  raft_uv_connect tcp_request{};
  uv_timer_t limit{};
  bool answered = false;  // raft got its answer (a slow connect is answered before it ends)
};

struct transport_state {
  raft_uv_transport* outer = nullptr;
  raft_uv_transport* tcp = nullptr;
  uv_loop_t* loop = nullptr;
  raft_uv_accept_cb accepted = nullptr;
  std::set<pending_connect*> resolving;
  bool closing = false;
  bool tcp_closed = false;
  raft_uv_transport_close_cb closed = nullptr;
};

transport_state* state_of(raft_uv_transport* t) {
  return static_cast<transport_state*>(t->impl);
}

// raft may free the transport once told it closed: only when nothing of ours is in flight.
void finish_close_if_idle(transport_state* state) {
  if (!state->closing || !state->tcp_closed || !state->resolving.empty()) return;
  if (auto closed = std::exchange(state->closed, nullptr)) closed(state->outer);
}

// How long data sent to a peer may stay unacknowledged before the connection is dropped and
// raft_uv connects again. Without it a connection that carried messages into a network partition
// stays in TCP's retransmission backoff after the partition heals: the partition fault test's
// cut-off member was ready 4.7-15.3 s after healing (8 runs, 5 of them ~15 s); with it 1.2-2.0 s
// in 15 of 20 runs and 5-15 s in the others, which connect_limit_ms below took away (1.3-2.7 s
// in 10 of 10). Twice the default election timeout: a live peer acknowledges far sooner.
constexpr unsigned int unacknowledged_limit_ms = 2000;

// How long a TCP connect (the SYN, its answer and raft's handshake) may take before raft is told
// it failed and retries with a new socket. A SYN sent into a partition is retransmitted after 1,
// 2, 4, 8 s..., so after healing the connect could wait seconds more for its next try.
constexpr std::uint64_t connect_limit_ms = 2000;

// raft 0.15 leaves Nagle's algorithm on: an AppendEntries written while the previous one is
// unacknowledged waited for the peer's delayed ACK (40 ms on Linux).
void tune_peer_socket(uv_stream_s* stream) {
  if (stream == nullptr) return;
  uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(stream), 1);
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream), &fd) == 0) {
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &unacknowledged_limit_ms,
               sizeof unacknowledged_limit_ms);
  }
}

void on_connect_slow(uv_timer_t* limit) {
  auto* pending = static_cast<pending_connect*>(limit->data);
  pending->answered = true;
  pending->done(pending->request, nullptr, RAFT_NOCONNECTION);
}

// raft_uv's TCP transport always answers a connect it took, at the latest when it closes.
void on_tcp_connected(raft_uv_connect* tcp_request, uv_stream_s* stream, int status) {
  auto* pending = static_cast<pending_connect*>(tcp_request->data);
  uv_timer_stop(&pending->limit);
  if (!pending->answered) {
    pending->answered = true;
    if (status == 0) tune_peer_socket(stream);
    pending->done(pending->request, stream, status);
  } else if (stream != nullptr) {
    // raft gave up on it and connects again: close what raft_uv allocated for it.
    uv_close(reinterpret_cast<uv_handle_t*>(stream), [](uv_handle_t* h) { raft_free(h); });
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&pending->limit),
           [](uv_handle_t* h) { delete static_cast<pending_connect*>(h->data); });
}

void on_resolved(uv_getaddrinfo_t* lookup, int status, addrinfo* found) {
  auto* pending = static_cast<pending_connect*>(lookup->data);
  auto* state = pending->owner;
  state->resolving.erase(pending);
  char text[INET_ADDRSTRLEN] = {};
  const bool resolved =
      status == 0 && found != nullptr &&
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
                sizeof text) != nullptr;
  uv_freeaddrinfo(found);
  int rv = state->closing ? RAFT_CANCELED : resolved ? 0 : RAFT_NOCONNECTION;
  if (rv == 0) {
    pending->literal = std::string(text) + ":" + pending->port;
    pending->tcp_request.data = pending;
    rv = state->tcp->connect(state->tcp, &pending->tcp_request, pending->id,
                             pending->literal.c_str(), on_tcp_connected);
    if (rv == 0) {
      uv_timer_init(state->loop, &pending->limit);
      pending->limit.data = pending;
      uv_timer_start(&pending->limit, on_connect_slow, connect_limit_ms, 0);
      return;
    }
  }
  // A name that does not resolve yet (a pod not scheduled) is a failed connect: raft retries.
  pending->done(pending->request, nullptr, rv);
  delete pending;
  finish_close_if_idle(state);
}

int init(raft_uv_transport* t, raft_id id, const char* address) {
  auto* state = state_of(t);
  return state->tcp->init(state->tcp, id, address);
}

void on_tcp_accept(raft_uv_transport* tcp, raft_id id, const char* address, uv_stream_s* stream) {
  auto* state = static_cast<transport_state*>(tcp->data);
  tune_peer_socket(stream);
  state->accepted(state->outer, id, address, stream);
}

int listen(raft_uv_transport* t, raft_uv_accept_cb accepted) {
  auto* state = state_of(t);
  state->accepted = accepted;
  return state->tcp->listen(state->tcp, on_tcp_accept);
}

int connect(raft_uv_transport* t, raft_uv_connect* request, raft_id id, const char* address,
            raft_uv_connect_cb done) {
  auto* state = state_of(t);
  const std::string host_port(address);
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return RAFT_NOCONNECTION;
  auto* pending = new pending_connect;
  pending->owner = state;
  pending->request = request;
  pending->done = done;
  pending->id = id;
  pending->port = host_port.substr(colon + 1);
  pending->lookup.data = pending;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  const std::string host = host_port.substr(0, colon);
  if (uv_getaddrinfo(state->loop, &pending->lookup, on_resolved, host.c_str(),
                     pending->port.c_str(), &hints) != 0) {
    delete pending;
    return RAFT_NOCONNECTION;
  }
  state->resolving.insert(pending);
  return 0;
}

void on_tcp_closed(raft_uv_transport* tcp) {
  auto* state = static_cast<transport_state*>(tcp->data);
  state->tcp_closed = true;
  finish_close_if_idle(state);
}

void close(raft_uv_transport* t, raft_uv_transport_close_cb closed) {
  auto* state = state_of(t);
  state->closing = true;
  state->closed = closed;
  // A lookup still queued is cancelled (its callback then reports UV_ECANCELED); one already
  // running finishes and sees `closing`.
  for (auto* pending : state->resolving) {
    uv_cancel(reinterpret_cast<uv_req_t*>(&pending->lookup));
  }
  state->tcp->close(state->tcp, on_tcp_closed);
}

}  // namespace

int resolving_transport_init(raft_uv_transport* outer, raft_uv_transport* tcp, uv_loop_t* loop) {
  auto* state = new transport_state;
  state->outer = outer;
  state->tcp = tcp;
  state->loop = loop;
  tcp->data = state;
  outer->impl = state;
  outer->init = init;
  outer->listen = listen;
  outer->connect = connect;
  outer->close = close;
  return 0;
}

void resolving_transport_close(raft_uv_transport* outer) {
  delete state_of(outer);
  outer->impl = nullptr;
}

}  // namespace kv::cluster
