// Configuration of one kvnode: the TOML file of contract section 4, overridden by flags.
// Parsing validates every value, so the rest of the node can trust what it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/dialect.hpp"

namespace kv {

enum class persistence_mode { none, wal };
enum class fsync_mode { always, everysec, no };

struct listen_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 asks the OS for a free port
};

// A member's [cluster] table. Outside node_config, whose std::optional of it clang could not
// see as default-constructible while node_config was still being defined.
struct node_cluster_config {
  std::uint32_t node_id = 0;       // 1-based: peers[node_id - 1] is this member
  std::vector<std::string> peers;  // every member's raft HOST:PORT, itself included
  std::string raft_listen;         // HOST:PORT the raft port binds
  // Every member's HTTP HOST:PORT, in the order of peers, where a follower forwards to the
  // leader; empty: each peer's raft host with this node's HTTP port.
  std::vector<std::string> http_peers;
  unsigned election_timeout_ms = 1000;
  // Raft entries applied between two snapshots; half as many stay in the log after one.
  unsigned snapshot_threshold = 8192;
  // How long a leader waits for a follower to take a snapshot before sending it again.
  unsigned install_snapshot_timeout_ms = 10000;
  // With [auth]: the file holding the token members present to each other's HTTP port (it
  // must be in auth.tokens_file with write access to every key).
  std::string member_token_file;
  // With [http.tls]: the CA the other members' certificates are checked against, for the
  // names in http_peers (or peers).
  std::string ca_file;
};

struct node_config {
  // [node]
  std::string node_id = "node-1";
  std::string data_dir = "./data";
  // [http]
  listen_address http_listen;
  int http_threads = 2;
  int drain_seconds = 0;
  // A request must arrive whole within this time of its first byte (408 otherwise), and an
  // idle keep-alive connection, or one that stops reading its answer, is closed after it.
  int idle_timeout_seconds = 60;
  // Host header names served (empty: the default for the listen address, see browser_guard);
  // origins whose pages may write across origins.
  std::optional<std::vector<std::string>> allowed_hosts;
  std::vector<std::string> cors_origins;
  // [http.tls]: with cert_file and key_file the port speaks TLS only; with client_ca_file too,
  // clients must present a certificate signed by that CA.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // [resp]: the Redis-protocol port (contract section 12); off unless listen is set.
  std::optional<listen_address> resp_listen;
  int resp_threads = 1;
  // [feed]
  std::string feed_endpoint = "tcp://127.0.0.1:5556";
  // What /v1/info tells clients to connect to instead of the bound endpoint ("": derived from
  // it, see advertised_feed.hpp).
  std::string feed_advertise;
  std::size_t history_events = 100000;
  std::size_t history_bytes = 67108864;
  // Events the ZeroMQ socket queues per subscriber; past it the subscriber's events are dropped.
  int zmq_high_water_mark = 1000;
  // ZeroMQ CURVE: the server's Z85 secret key ("": the feed is plain), and the Z85 public keys
  // of the clients that may subscribe.
  std::string curve_secret_key;
  std::vector<std::string> curve_allowed_clients;
  // [partitions]: split_points, when given, decide the partitions and partition_count is
  // split_points.size() + 1; otherwise partition_count ranges of equal width.
  std::size_t partition_count = 16;
  std::vector<std::string> split_points;
  // [storage]
  persistence_mode persistence = persistence_mode::none;
  fsync_mode fsync = fsync_mode::everysec;
  // A partition snapshots once its logs hold this many times its live data, and at least
  // snapshot_min_log_bytes.
  double snapshot_log_multiple = 4.0;
  std::uint64_t snapshot_min_log_bytes = std::uint64_t{16} << 20;
  // --repair: recovery drops damaged log records and snapshots instead of refusing to start.
  bool repair = false;
  // [limits]
  std::size_t max_key_bytes = 250;
  std::size_t max_value_bytes = 1048576;
  // A whole request body; 0: room for the largest value base64-encoded in JSON.
  std::size_t max_request_bytes = 0;
  // [log]
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  // [auth]: the tokens file; empty: authentication is off and every route is open.
  std::string tokens_file;
  // [compat]: whose answers the paths that the older services share get (contract section 9)
  kv::dialect dialect = kv::dialect::kvactor;
  // [changelog] (contract section 13): the libpq connection string of the PostgreSQL database
  // the change log goes to ("": no change log); how many events, and bytes of event JSON, may
  // wait for it before the oldest are dropped and recorded as a gap; rows per transaction; how
  // long after a transaction that was not full the next may begin; and whether a batch is
  // written with COPY or a multi-row INSERT.
  std::string changelog_postgres;
  std::size_t changelog_max_backlog_events = 1000000;
  std::size_t changelog_max_backlog_bytes = std::size_t{256} << 20;
  std::size_t changelog_batch_events = 5000;
  unsigned changelog_batch_interval_ms = 50;
  bool changelog_use_insert = false;
  // --restore-from-postgres: fill the empty data directory from the change log, then serve;
  // --restore-accept-gaps: do so even when the log misses revs.
  bool restore_from_postgres = false;
  bool restore_accept_gaps = false;
  // [cluster] (contract section 11): set when the table is there; standalone without it.
  using cluster_config = node_cluster_config;
  std::optional<cluster_config> cluster;
  // --bootstrap: with an empty data dir, start a new cluster of the configured peers.
  bool bootstrap = false;
};

// A bad config file or flag. what() is the single line to print on stderr; it names the file
// (or flag), the key and what is wrong.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "HOST:PORT" ("[::1]:8080" for IPv6). Throws std::invalid_argument with a reason.
listen_address parse_listen_address(const std::string& text);

// Reads a TOML config file over the defaults. Throws config_error.
node_config load_config_file(const std::string& path);

// What the command line asks kvnode to do.
struct command_line {
  enum class action { run, print_help, print_version };
  action what = action::run;
  std::string output;  // the help or version text, for print_help / print_version
  node_config config;
};

// Parses kvnode's flags: --config FILE, then --http-listen, --resp-listen, --feed-endpoint,
// --data-dir, --persistence, --log-level, --dialect, --changelog-postgres override the file;
// --repair, --restore-from-postgres, --restore-accept-gaps. Throws config_error on any bad
// flag or file.
command_line parse_command_line(int argc, const char* const* argv);

}  // namespace kv
