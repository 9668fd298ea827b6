// The one interface the node has to its consensus engine, so that the library under it
// (libraft 0.15 today, raft_log.cpp) can be swapped. One group for the whole keyspace.
//
// Threading: the engine runs on a thread of its own. Every method may be called from any thread
// and never blocks on the network; callbacks run on the engine's thread and must not block
// (except the snapshot hooks, which may wait for the appliers), nor call back into the engine
// synchronously (post instead: the methods below do).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kv::cluster {

struct peer {
  std::uint64_t id = 0;  // 1-based
  std::string address;   // IPv4 literal HOST:PORT (names are resolved before)
};

enum class role { unavailable, follower, candidate, leader };

struct log_status {
  std::uint64_t id = 0;
  role state = role::unavailable;
  std::uint64_t term = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;  // raft's last applied
  std::uint64_t leader_id = 0;      // 0: none known
  std::uint64_t leader_changes = 0;
  std::vector<peer> members;  // the stored configuration
};

struct log_hooks {
  // A committed entry, in log order, exactly once per process lifetime. `sequence` counts the
  // calls (restores included), 1, 2, 3, ...: what wait_applied() hands back.
  std::function<void(std::uint64_t sequence, std::string entry)> committed;
  // The state machine after every committed entry handed over so far, as bytes.
  std::function<std::string(std::uint64_t sequence)> snapshot;
  // Replaces the state machine with a snapshot's bytes (counts as one sequence step).
  std::function<bool(std::uint64_t sequence, std::string_view bytes)> restore;
};

struct log_options {
  std::uint64_t id = 0;
  std::string listen;       // IPv4 literal HOST:PORT bound by the engine
  std::vector<peer> peers;  // every member, itself included
  std::string dir;          // the engine's own files
  bool bootstrap = false;   // start a new cluster if dir is pristine
  unsigned election_timeout_ms = 1000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 8192;
  // How long the leader waits for a follower to take a snapshot before it starts over.
  unsigned install_snapshot_timeout_ms = 10000;
  unsigned snapshot_trailing = 4096;
};

class replicated_log {
 public:
  virtual ~replicated_log() = default;
  // Appends the commands (one entry for all, with ts_ms stamped into each) if this member
  // leads; `done(0)` once committed and handed to `committed`, else an error code (not leader,
  // leadership lost: the outcome may be unknown).
  virtual void propose(std::vector<std::string> commands, std::function<void(int)> done) = 0;
  // Leader only, for a follower's reads: an index such that every write acknowledged before the
  // call is at or below it (a barrier shared by the reads that wait at the same time). The
  // follower waits until it has applied the index, and a follower learns what is committed only
  // from the leader's next message, so the leader sends one at once. nullopt: not leader / failed.
  virtual void read_index(std::function<void(std::optional<std::uint64_t>)> done) = 0;
  // Leader only, for its own reads: the committed() sequence handed over once the same barrier
  // is applied here, which covers every write acknowledged before the call.
  virtual void read_barrier(std::function<void(std::optional<std::uint64_t>)> done) = 0;
  // Once this member's raft has applied `index`: the committed() sequence reached by then.
  // nullopt after timeout_ms. Runs `done` at once, on the caller's thread, if it has already.
  virtual void wait_applied(std::uint64_t index, unsigned timeout_ms,
                            std::function<void(std::optional<std::uint64_t>)> done) = 0;
  // Hands leadership to another voter if this member leads; done() either way.
  virtual void transfer_leadership(std::function<void()> done) = 0;
  virtual log_status status() const = 0;
  virtual std::string_view error_text(int code) const = 0;
  // Closes the engine and joins its thread.
  virtual void stop() = 0;
};

// Errors of make_raft_log: what to print, and the exit status (1: could not start, such as a
// port in use; 2: the config disagrees with what is stored).
struct start_error {
  int exit_status = 1;
  std::string message;
};

// Starts the engine (libraft + raft_uv on a libuv loop thread of its own). On failure returns
// null and fills `error`.
std::unique_ptr<replicated_log> make_raft_log(const log_options& options, log_hooks hooks,
                                              start_error& error);

// "HOST:PORT" with HOST a name or IPv4 literal -> "A.B.C.D:PORT"; nullopt if unresolvable.
std::optional<std::string> resolve_ipv4(const std::string& host_port);

}  // namespace kv::cluster
