// Reading kvnode's configuration: the TOML file of contract section 4, then the flags over it.
// Every value is checked here, and every error is one line naming where it came from.
#include "node/node_config.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <sstream>
#include <string_view>

#include "core/tcp_endpoint.hpp"
#include "node/config_text.hpp"

namespace kv {
namespace {

constexpr std::size_t kMaxNodeIdBytes = 128;
constexpr std::int64_t kMaxPartitions = 4096;
constexpr std::size_t kMaxSplitPoints = kMaxPartitions - 1;
// Far more than any real config; a bound, so that a huge or endless file is refused unread.
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A key as TOML writes it: bare when it can be, quoted otherwise.
std::string key_text(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return is_ascii_alnum(c) || c == '_' || c == '-';
  });
  return bare ? std::string(key) : in_quotes(key);
}

// Checks and conversions shared by the file and the flags. Each throws std::invalid_argument
// with what the value must be; the caller adds where the value came from and what it was.

std::string parse_node_id(const std::string& text) {
  const bool valid = !text.empty() && text.size() <= kMaxNodeIdBytes &&
                     std::all_of(text.begin(), text.end(), [](char c) {
                       return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-';
                     });
  if (!valid) throw std::invalid_argument("must be 1 to 128 characters from A-Z a-z 0-9 . _ -");
  return text;
}

std::string parse_data_dir(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("must not be empty");
  return text;
}

// Whether the file loads is checked when the node starts (see tls_context).
std::string parse_file_name(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("must name a file");
  return text;
}

// ZeroMQ's own "*" asks for any free port; anything else must be a port number, because
// libzmq would take 99999 for another port (its low 16 bits) and 0 is not documented.
bool is_tcp_port(std::string_view text) {
  if (text == "*") return true;
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value >= 1 && value <= 65535;
}

std::string parse_feed_endpoint(const std::string& text) {
  for (const std::string_view scheme : {"tcp://", "ipc://", "inproc://"}) {
    if (!text.starts_with(scheme) || text.size() == scheme.size()) continue;
    if (scheme != "tcp://") return text;
    const std::string_view address = std::string_view(text).substr(scheme.size());
    const std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos || !is_tcp_port(address.substr(colon + 1))) {
      throw std::invalid_argument(
          "a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port");
    }
    if (colon == 0) {
      throw std::invalid_argument("a tcp:// endpoint must name a host or interface before :PORT");
    }
    return text;
  }
  throw std::invalid_argument("must be tcp://, ipc:// or inproc:// followed by an address");
}

// An endpoint a client in another process can connect to: a concrete host and port.
std::string parse_feed_advertise(const std::string& text) {
  const auto reject = [] {
    return std::invalid_argument(
        "must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port "
        "from 1 to 65535, or ipc://PATH");
  };
  if (text.starts_with("ipc://") && text.size() > 6) return text;
  const auto host = tcp_endpoint_host(text);
  if (!host || host->empty() || is_wildcard_host(*host)) throw reject();
  const std::string_view port = std::string_view(text).substr(text.rfind(':') + 1);
  if (port == "*" || !is_tcp_port(port)) throw reject();
  return text;
}

persistence_mode parse_persistence(const std::string& text) {
  if (text == "none") return persistence_mode::none;
  if (text == "wal") return persistence_mode::wal;
  throw std::invalid_argument(R"(must be "none" or "wal")");
}

fsync_mode parse_fsync(const std::string& text) {
  if (text == "always") return fsync_mode::always;
  if (text == "everysec") return fsync_mode::everysec;
  if (text == "no") return fsync_mode::no;
  throw std::invalid_argument(R"(must be "always", "everysec" or "no")");
}

// The names spdlog knows, spelled as it spells them.
std::string parse_log_level(const std::string& text) {
  for (const std::string_view level :
       {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (text == level) return text;
  }
  throw std::invalid_argument(
      R"(must be one of "trace", "debug", "info", "warn", "error", "critical", "off")");
}

// Checked by libpq when the node connects; here only that there is something to give it.
std::string parse_changelog_postgres(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("must be a libpq connection string");
  return text;
}

// true for "insert".
bool parse_changelog_method(const std::string& text) {
  if (text == "copy") return false;
  if (text == "insert") return true;
  throw std::invalid_argument(R"(must be "copy" or "insert")");
}

dialect parse_dialect(const std::string& text) {
  if (const auto found = dialect_from_name(text)) return *found;
  std::string names;
  for (const auto& info : known_dialects) {
    names += names.empty() ? "" : ", ";
    names += in_quotes(info.name);
  }
  throw std::invalid_argument("must be one of " + names);
}

std::uint16_t parse_port(std::string_view text) {
  unsigned value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || value > 65535) {
    throw std::invalid_argument("port must be an integer from 0 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

bool is_ipv6_address(std::string_view text) {
  in6_addr address{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

// The TOML file.

[[noreturn]] void fail_file(const std::string& path, const std::string& what) {
  throw make_config_error("config " + path + ": " + what);
}

// What a value is, for "got ..." in a message: strings quoted, containers by kind only, so the
// message stays short.
std::string describe(const toml::node& node) {
  if (const auto* text = node.as_string()) return in_quotes(text->get());
  if (node.is_array()) return "an array";
  if (node.is_table()) return "a table";
  std::ostringstream out;
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// One value of the file, with the file and key that an error about it must name.
class file_value {
 public:
  file_value(const std::string& path, std::string key, const toml::node& node)
      : path_(path), key_(std::move(key)), node_(node) {}

  const toml::node& node() const { return node_; }

  file_value element(std::size_t index, const toml::node& node) const {
    return file_value(path_, key_ + "[" + std::to_string(index) + "]", node);
  }

  // Wrong types are errors too: a quoted "2" is not taken for the integer 2.
  std::int64_t integer(std::int64_t min, std::int64_t max) const {
    const auto* value = node_.as_integer();
    if (value == nullptr || value->get() < min || value->get() > max) {
      fail("must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value->get();
  }

  double number(double min, double max) const {
    const auto value = node_.value<double>();  // an integer counts too: 4 is as good as 4.0
    if (!value || !(*value >= min && *value <= max)) {
      fail("must be a number from " + format_number(min) + " to " + format_number(max));
    }
    return *value;
  }

  const std::string& string() const {
    const auto* value = node_.as_string();
    if (value == nullptr) fail("must be a string");
    return value->get();
  }

  // The string value converted by one of the parse_ functions above.
  template <class Parse>
  auto parsed(Parse parse) const {
    const std::string& text = string();
    try {
      return parse(text);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }

  [[noreturn]] void fail(const std::string& reason) const { fail(reason, describe(node_)); }

  [[noreturn]] void fail(const std::string& reason, const std::string& got) const {
    fail_file(path_, key_ + ": " + reason + ", got " + got);
  }

 private:
  const std::string& path_;
  std::string key_;
  const toml::node& node_;
};

std::vector<std::string> read_split_points(const file_value& value) {
  const toml::array* array = value.node().as_array();
  if (array == nullptr) value.fail("must be an array of strings");
  if (array->size() > kMaxSplitPoints) {
    value.fail("must have at most " + std::to_string(kMaxSplitPoints) + " entries",
               std::to_string(array->size()));
  }
  std::vector<std::string> points;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const file_value point = value.element(i, *array->get(i));
    const auto* text = point.node().as_string();
    if (text == nullptr || text->get().empty()) point.fail("must be a non-empty string");
    // std::string compares as unsigned bytes, which is the order of keys (contract section 1).
    if (!points.empty() && text->get() <= points.back()) {
      point.fail("must be greater than " + in_quotes(points.back()) +
                 ", the split point before it");
    }
    points.push_back(text->get());
  }
  return points;
}

// An array of non-empty strings without control characters (they go into HTTP headers).
std::vector<std::string> read_string_list(const file_value& value) {
  const toml::array* array = value.node().as_array();
  if (array == nullptr) value.fail("must be an array of strings");
  std::vector<std::string> items;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const file_value item = value.element(i, *array->get(i));
    const auto* text = item.node().as_string();
    if (text == nullptr || text->get().empty()) item.fail("must be a non-empty string");
    const std::string& s = text->get();
    if (std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      item.fail("must not contain control characters");
    }
    items.push_back(s);
  }
  return items;
}

// One key a config file may set, and how its value lands in node_config.
struct file_key {
  std::string_view table;
  std::string_view name;
  void (*read)(const file_value&, node_config&);
};

// Every key a config file may set. Any other key is an error, so that a typo is reported rather
// than leaving the node on a default.
// The [cluster] table being read: any of its keys makes the node a member. Every key adds to
// the one table, so the order the keys are read in does not matter.
node_config::cluster_config& cluster_of(node_config& c) {
  if (!c.cluster) c.cluster.emplace();
  return *c.cluster;
}

constexpr file_key kFileKeys[] = {
    {"node", "id",
     [](const file_value& v, node_config& c) { c.node_id = v.parsed(parse_node_id); }},
    {"node", "data_dir",
     [](const file_value& v, node_config& c) { c.data_dir = v.parsed(parse_data_dir); }},
    {"http", "listen",
     [](const file_value& v, node_config& c) { c.http_listen = v.parsed(parse_listen_address); }},
    {"http", "threads",
     [](const file_value& v, node_config& c) {
       c.http_threads = static_cast<int>(v.integer(1, 64));
     }},
    {"http", "drain_seconds",
     [](const file_value& v, node_config& c) {
       c.drain_seconds = static_cast<int>(v.integer(0, 3600));
     }},
    {"http", "allowed_hosts",
     [](const file_value& v, node_config& c) { c.allowed_hosts = read_string_list(v); }},
    {"http", "cors_origins",
     [](const file_value& v, node_config& c) { c.cors_origins = read_string_list(v); }},
    {"http", "idle_timeout_seconds",
     [](const file_value& v, node_config& c) {
       c.idle_timeout_seconds = static_cast<int>(v.integer(1, 3600));
     }},
    {"http.tls", "cert_file",
     [](const file_value& v, node_config& c) { c.tls_cert_file = v.parsed(parse_file_name); }},
    {"http.tls", "key_file",
     [](const file_value& v, node_config& c) { c.tls_key_file = v.parsed(parse_file_name); }},
    {"http.tls", "client_ca_file",
     [](const file_value& v, node_config& c) { c.tls_client_ca_file = v.parsed(parse_file_name); }},
    {"resp", "listen",
     [](const file_value& v, node_config& c) { c.resp_listen = v.parsed(parse_listen_address); }},
    {"resp", "threads",
     [](const file_value& v, node_config& c) {
       c.resp_threads = static_cast<int>(v.integer(1, 64));
     }},
    {"feed", "zmq_endpoint",
     [](const file_value& v, node_config& c) { c.feed_endpoint = v.parsed(parse_feed_endpoint); }},
    {"feed", "advertise",
     [](const file_value& v, node_config& c) {
       c.feed_advertise = v.parsed(parse_feed_advertise);
     }},
    {"feed", "history_events",
     [](const file_value& v, node_config& c) {
       c.history_events = static_cast<std::size_t>(v.integer(0, 100'000'000));
     }},
    {"feed", "history_bytes",
     [](const file_value& v, node_config& c) {
       c.history_bytes = static_cast<std::size_t>(v.integer(0, std::int64_t{1} << 40));
     }},
    // ZeroMQ reads 0 as "no limit", which would let one stalled subscriber grow the node's
    // memory without bound, so it is not allowed.
    {"feed", "curve_secret_key",
     [](const file_value& v, node_config& c) {
       if (v.string().size() != 40) v.fail("must be a Z85 CURVE key of 40 characters");
       c.curve_secret_key = v.string();
     }},
    {"feed", "curve_allowed_clients",
     [](const file_value& v, node_config& c) {
       const toml::array* array = v.node().as_array();
       if (array == nullptr) v.fail("must be an array of Z85 public keys");
       c.curve_allowed_clients.clear();
       for (std::size_t i = 0; i < array->size(); ++i) {
         const file_value key = v.element(i, *array->get(i));
         const auto* text = key.node().as_string();
         if (text == nullptr || text->get().size() != 40) {
           key.fail("must be a Z85 CURVE public key of 40 characters");
         }
         c.curve_allowed_clients.push_back(text->get());
       }
     }},
    {"feed", "zmq_high_water_mark",
     [](const file_value& v, node_config& c) {
       c.zmq_high_water_mark = static_cast<int>(v.integer(1, 10'000'000));
     }},
    {"partitions", "count",
     [](const file_value& v, node_config& c) {
       c.partition_count = static_cast<std::size_t>(v.integer(1, kMaxPartitions));
     }},
    {"partitions", "split_points",
     [](const file_value& v, node_config& c) {
       c.split_points = read_split_points(v);
       c.partition_count = c.split_points.size() + 1;
     }},
    {"storage", "persistence",
     [](const file_value& v, node_config& c) { c.persistence = v.parsed(parse_persistence); }},
    {"storage", "fsync",
     [](const file_value& v, node_config& c) { c.fsync = v.parsed(parse_fsync); }},
    // Below 1 the logs could never shrink below the data they hold: a snapshot after every
    // write. The minimum keeps a nearly empty partition from snapshotting all the time; at 0
    // an empty partition would snapshot after each write.
    {"storage", "snapshot_log_multiple",
     [](const file_value& v, node_config& c) { c.snapshot_log_multiple = v.number(1, 1000); }},
    {"storage", "snapshot_min_log_bytes",
     [](const file_value& v, node_config& c) {
       c.snapshot_min_log_bytes =
           static_cast<std::uint64_t>(v.integer(4096, std::int64_t{1} << 40));
     }},
    {"limits", "max_key_bytes",
     [](const file_value& v, node_config& c) {
       c.max_key_bytes = static_cast<std::size_t>(v.integer(1, 65535));
     }},
    {"limits", "max_value_bytes",
     [](const file_value& v, node_config& c) {
       c.max_value_bytes = static_cast<std::size_t>(v.integer(1, std::int64_t{512} << 20));
     }},
    {"limits", "max_request_bytes",
     [](const file_value& v, node_config& c) {
       c.max_request_bytes = static_cast<std::size_t>(v.integer(1024, std::int64_t{1} << 31));
     }},
    {"log", "level",
     [](const file_value& v, node_config& c) { c.log_level = v.parsed(parse_log_level); }},
    {"compat", "dialect",
     [](const file_value& v, node_config& c) { c.dialect = v.parsed(parse_dialect); }},
    {"changelog", "postgres",
     [](const file_value& v, node_config& c) {
       c.changelog_postgres = v.parsed(parse_changelog_postgres);
     }},
    {"changelog", "max_backlog_events",
     [](const file_value& v, node_config& c) {
       c.changelog_max_backlog_events = static_cast<std::size_t>(v.integer(1, 1'000'000'000));
     }},
    {"changelog", "max_backlog_bytes",
     [](const file_value& v, node_config& c) {
       c.changelog_max_backlog_bytes =
           static_cast<std::size_t>(v.integer(1 << 20, std::int64_t{1} << 40));
     }},
    {"changelog", "batch_events",
     [](const file_value& v, node_config& c) {
       c.changelog_batch_events = static_cast<std::size_t>(v.integer(1, 1'000'000));
     }},
    {"changelog", "batch_interval_ms",
     [](const file_value& v, node_config& c) {
       c.changelog_batch_interval_ms = static_cast<unsigned>(v.integer(0, 10'000));
     }},
    {"changelog", "method",
     [](const file_value& v, node_config& c) {
       c.changelog_use_insert = v.parsed(parse_changelog_method);
     }},
    {"cluster", "node_id",
     [](const file_value& v, node_config& c) {
       cluster_of(c).node_id = static_cast<std::uint32_t>(v.integer(1, 255));
     }},
    {"cluster", "peers",
     [](const file_value& v, node_config& c) {
       cluster_of(c).peers = read_string_list(v);
       for (const auto& peer : c.cluster->peers) {
         try {
           parse_listen_address(peer);
         } catch (const std::invalid_argument& e) {
           v.fail(std::string("each peer must be HOST:PORT: ") + e.what(), in_quotes(peer));
         }
       }
     }},
    {"cluster", "raft_listen",
     [](const file_value& v, node_config& c) {
       v.parsed(parse_listen_address);
       cluster_of(c).raft_listen = v.string();
     }},
    {"cluster", "http_peers",
     [](const file_value& v, node_config& c) { cluster_of(c).http_peers = read_string_list(v); }},
    {"cluster", "election_timeout_ms",
     [](const file_value& v, node_config& c) {
       cluster_of(c).election_timeout_ms = static_cast<unsigned>(v.integer(100, 60000));
     }},
    {"cluster", "snapshot_threshold",
     [](const file_value& v, node_config& c) {
       cluster_of(c).snapshot_threshold = static_cast<unsigned>(v.integer(16, 1'000'000));
     }},
    {"cluster", "install_snapshot_timeout_ms",
     [](const file_value& v, node_config& c) {
       cluster_of(c).install_snapshot_timeout_ms = static_cast<unsigned>(v.integer(500, 600000));
     }},
    {"cluster", "member_token_file",
     [](const file_value& v, node_config& c) {
       cluster_of(c).member_token_file = v.parsed(parse_file_name);
     }},
    {"cluster", "ca_file",
     [](const file_value& v, node_config& c) {
       cluster_of(c).ca_file = v.parsed(parse_file_name);
     }},
    {"auth", "tokens_file",
     [](const file_value& v, node_config& c) {
       if (v.string().empty()) v.fail("must name a file");
       c.tokens_file = v.string();
     }},
};

bool is_known_table(std::string_view table) {
  return std::any_of(std::begin(kFileKeys), std::end(kFileKeys),
                     [table](const file_key& key) { return key.table == table; });
}

bool is_known_key(std::string_view table, std::string_view name) {
  return std::any_of(std::begin(kFileKeys), std::end(kFileKeys),
                     [&](const file_key& key) { return key.table == table && key.name == name; });
}

// The keys of a table inside a table, such as [http.tls].
void reject_unknown_nested_keys(const std::string& path, const std::string& shown_name,
                                const std::string& table_name, const toml::table& table) {
  for (const auto& [key, value] : table) {
    if (!is_known_key(table_name, key.str())) {
      fail_file(path, "unknown key " + shown_name + "." + key_text(key.str()));
    }
  }
}

// The certificate and key go together, and a client CA is only checked by a TLS port.
void check_tls_files(const std::string& path, const node_config& config) {
  const bool any = !config.tls_cert_file.empty() || !config.tls_key_file.empty() ||
                   !config.tls_client_ca_file.empty();
  if (any && (config.tls_cert_file.empty() || config.tls_key_file.empty())) {
    fail_file(path, "http.tls needs both cert_file and key_file");
  }
}

void reject_unknown_keys(const std::string& path, const toml::table& root) {
  for (const auto& [table_key, table_node] : root) {
    const std::string table_name = key_text(table_key.str());
    // A quoted "http.tls" is not the [http.tls] table the keys are looked up in.
    if (!is_known_table(table_key.str()) || table_key.str().find('.') != std::string_view::npos) {
      fail_file(path, table_node.is_table() ? "unknown table [" + table_name + "]"
                                            : "unknown key " + table_name);
    }
    const toml::table* table = table_node.as_table();
    if (table == nullptr) file_value(path, table_name, table_node).fail("must be a table");
    for (const auto& [key, value] : *table) {
      const std::string nested = std::string(table_key.str()) + "." + std::string(key.str());
      if (value.is_table() && is_known_table(nested)) {
        reject_unknown_nested_keys(path, table_name + "." + key_text(key.str()), nested,
                                   *value.as_table());
        continue;
      }
      if (!is_known_key(table_key.str(), key.str())) {
        fail_file(path, "unknown key " + table_name + "." + key_text(key.str()));
      }
    }
  }
}

// Only a regular file of at most kMaxConfigBytes is read: a directory would pass for an empty
// config, and a device or a pipe could be read without end. O_NONBLOCK: opening a pipe must not
// wait for a writer before it is refused.
std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail_file(path, "cannot open file");
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } const close_at_end{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail_file(path, "cannot read file");
  if (!S_ISREG(info.st_mode)) fail_file(path, "not a regular file");
  const std::string too_large = "larger than " + std::to_string(kMaxConfigBytes) + " bytes";
  if (static_cast<std::uint64_t>(info.st_size) > kMaxConfigBytes) fail_file(path, too_large);
  // One byte more than allowed, in case the file grew since fstat.
  std::string text(kMaxConfigBytes + 1, '\0');
  std::size_t filled = 0;
  while (filled < text.size()) {
    const ssize_t got = ::read(fd, text.data() + filled, text.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail_file(path, "cannot read file");
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  if (filled > kMaxConfigBytes) fail_file(path, too_large);
  text.resize(filled);
  return text;
}

toml::table parse_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return toml::parse(std::string_view(text), std::string_view(path));
  } catch (const toml::parse_error& e) {
    fail_file(path, "line " + std::to_string(e.source().begin.line) + ": " +
                        std::string(e.description()));
  }
}

// The flags.

// A flag that overrides a key of the file, checked by the same parse_ function as that key.
struct flag_override {
  const char* name;
  const char* type_name;
  const char* description;
  void (*apply)(const std::string&, node_config&);
};

constexpr flag_override kFlagOverrides[] = {
    {"--http-listen", "HOST:PORT", "Address of the HTTP API; overrides http.listen",
     [](const std::string& v, node_config& c) { c.http_listen = parse_listen_address(v); }},
    {"--resp-listen", "HOST:PORT",
     "Serve the Redis protocol (RESP2) on this address; overrides resp.listen",
     [](const std::string& v, node_config& c) { c.resp_listen = parse_listen_address(v); }},
    {"--feed-endpoint", "ENDPOINT",
     "ZeroMQ endpoint of the change feed; overrides feed.zmq_endpoint",
     [](const std::string& v, node_config& c) { c.feed_endpoint = parse_feed_endpoint(v); }},
    {"--data-dir", "DIR", "Directory of the node's files; overrides node.data_dir",
     [](const std::string& v, node_config& c) { c.data_dir = parse_data_dir(v); }},
    {"--persistence", "none|wal",
     "Keep writes in memory only, or in a WAL; overrides storage.persistence",
     [](const std::string& v, node_config& c) { c.persistence = parse_persistence(v); }},
    {"--log-level", "LEVEL",
     "trace, debug, info, warn, error, critical or off; overrides log.level",
     [](const std::string& v, node_config& c) { c.log_level = parse_log_level(v); }},
    {"--dialect", "NAME",
     "Whose answers the shared compatibility paths give (list below); overrides compat.dialect",
     [](const std::string& v, node_config& c) { c.dialect = parse_dialect(v); }},
    {"--changelog-postgres", "CONNINFO",
     "libpq connection string of the change log's database; overrides changelog.postgres",
     [](const std::string& v, node_config& c) {
       c.changelog_postgres = parse_changelog_postgres(v);
     }},
};

// The dialects of --dialect, one line each, below the flags of --help.
std::string dialects_help() {
  std::string text = "Dialects (--dialect, [compat] dialect):\n";
  for (const auto& info : known_dialects) {
    std::string name(info.name);
    name.resize(16, ' ');
    text += "  " + name + std::string(info.summary) + "\n";
  }
  return text;
}

}  // namespace

listen_address parse_listen_address(const std::string& text) {
  const std::string_view view = text;
  if (view.starts_with('[')) {
    const std::size_t close = view.find(']');
    if (close == std::string_view::npos || view.substr(close + 1, 1) != ":") {
      throw std::invalid_argument("expected [IPV6]:PORT");
    }
    const std::string_view host = view.substr(1, close - 1);
    if (!is_ipv6_address(host)) throw std::invalid_argument("expected an IPv6 address in brackets");
    return {std::string(host), parse_port(view.substr(close + 2))};
  }
  const std::size_t colon = view.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("expected HOST:PORT");
  const std::string_view host = view.substr(0, colon);
  if (host.empty()) throw std::invalid_argument("host must not be empty");
  if (host.find(':') != std::string_view::npos) {
    throw std::invalid_argument("an IPv6 host must be in brackets, as [::1]:8080");
  }
  return {std::string(host), parse_port(view.substr(colon + 1))};
}

node_config load_config_file(const std::string& path) {
  const toml::table root = parse_file(path);
  reject_unknown_keys(path, root);
  if (root["partitions"]["count"] && root["partitions"]["split_points"]) {
    fail_file(path, "set partitions.count or partitions.split_points, not both");
  }
  node_config config;
  for (const file_key& key : kFileKeys) {
    const std::string key_path = std::string(key.table) + "." + std::string(key.name);
    if (const toml::node* node = root.at_path(key_path).node()) {
      key.read(file_value(path, key_path, *node), config);
    }
  }
  check_tls_files(path, config);
  return config;
}

// A [cluster] table is checked once the flags are in: --cluster-node-id may give its node_id.
void check_cluster(const std::string& path, const node_config& config) {
  if (!config.cluster) return;
  const auto& cluster = *config.cluster;
  if (cluster.node_id == 0) {
    fail_file(path, "cluster.node_id: missing (1-based index in peers; or --cluster-node-id)");
  }
  if (cluster.peers.empty()) fail_file(path, "cluster.peers: missing");
  if (cluster.raft_listen.empty()) fail_file(path, "cluster.raft_listen: missing");
  if (cluster.node_id > cluster.peers.size()) {
    fail_file(path, "cluster.node_id: " + std::to_string(cluster.node_id) +
                        " is past the end of cluster.peers (" +
                        std::to_string(cluster.peers.size()) + " members)");
  }
  if (!cluster.http_peers.empty() && cluster.http_peers.size() != cluster.peers.size()) {
    fail_file(path, "cluster.http_peers: must name as many members as cluster.peers");
  }
  // Members call each other's HTTP port: with tokens they need one, with TLS a CA to trust.
  if (!config.tokens_file.empty() && cluster.member_token_file.empty()) {
    fail_file(path,
              "cluster.member_token_file: missing; with auth.tokens_file, members present a "
              "token to each other");
  }
  if (!config.tls_cert_file.empty() && cluster.ca_file.empty()) {
    fail_file(path,
              "cluster.ca_file: missing; with [http.tls], members check each other's "
              "certificates against it");
  }
}

command_line parse_command_line(int argc, const char* const* argv) {
  CLI::App app{"kvnode: one node of the kvactor key-value store.", "kvnode"};
  std::string config_path;
  CLI::Option* config_option =
      app.add_option("--config", config_path, "TOML config file; without it, built-in defaults")
          ->type_name("FILE");
  std::array<std::string, std::size(kFlagOverrides)> values;
  std::array<CLI::Option*, std::size(kFlagOverrides)> options{};
  for (std::size_t i = 0; i < values.size(); ++i) {
    const flag_override& flag = kFlagOverrides[i];
    options[i] = app.add_option(flag.name, values[i], flag.description)->type_name(flag.type_name);
  }
  app.footer(dialects_help());
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  bool bootstrap = false;
  app.add_flag("--bootstrap", bootstrap,
               "Cluster mode: with an empty data dir, start a new cluster of the configured peers "
               "(one member only, once)");
  unsigned cluster_node_id = 0;
  app.add_option("--cluster-node-id", cluster_node_id,
                 "Cluster mode: this member's cluster.node_id (one config file for every member, "
                 "as in a Kubernetes StatefulSet)")
      ->type_name("N")
      ->check(CLI::Range(1u, 255u));
  bool repair = false;
  app.add_flag("--repair", repair,
               "Start even when a log or snapshot is damaged, dropping what cannot be read");

  bool restore = false;
  app.add_flag("--restore-from-postgres", restore,
               "Fill the empty data directory from the change log's kv_changes table, then serve "
               "(needs changelog.postgres and persistence = \"wal\")");
  bool accept_gaps = false;
  app.add_flag("--restore-accept-gaps", accept_gaps,
               "With --restore-from-postgres: restore even when the table misses revs (a gap)");

  command_line result;
  try {
    // An empty argv (argc 0) is legal for execve, and CLI11 2.1 would size a vector by argc - 1.
    app.parse(std::max(argc, 1), argv);
  } catch (const CLI::CallForHelp&) {
    result.what = command_line::action::print_help;
    result.output = app.help();
    return result;
  } catch (const CLI::ParseError& e) {
    throw make_config_error(e.what());
  }
  if (version) {
    result.what = command_line::action::print_version;
    result.output = "kvnode " KVACTOR_VERSION "\n";
    return result;
  }

  if (config_option->count() > 0) result.config = load_config_file(config_path);
  result.config.repair = repair;
  result.config.restore_from_postgres = restore;
  result.config.restore_accept_gaps = accept_gaps;
  result.config.bootstrap = bootstrap;
  if (bootstrap && !result.config.cluster) {
    throw make_config_error("flag --bootstrap: needs a [cluster] table in the config file");
  }
  if (cluster_node_id != 0) {
    if (!result.config.cluster) {
      throw make_config_error("flag --cluster-node-id: needs a [cluster] table in the config file");
    }
    result.config.cluster->node_id = cluster_node_id;
  }
  check_cluster(config_path, result.config);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (options[i]->count() == 0) continue;
    try {
      kFlagOverrides[i].apply(values[i], result.config);
    } catch (const std::invalid_argument& e) {
      throw make_config_error(std::string("flag ") + kFlagOverrides[i].name + ": " + e.what() +
                              ", got " + in_quotes(values[i]));
    }
  }
  return result;
}

}  // namespace kv
