// The change log's PostgreSQL end, through libpqxx: the kv_changes table (contract section 13)
// written in batched transactions, and read back in rev order for --restore-from-postgres.
// The connection string is libpq's own, so `sslmode=verify-full sslrootcert=... sslcert=...
// sslkey=...` gives mutual TLS with nothing here to set up.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sinks/changelog_sink.hpp"

namespace kv::changelog {

// How a batch reaches the table: COPY FROM STDIN, or one INSERT with a row per event
// (docs/performance.md compares them).
enum class write_method { copy, insert };

// "host H port P dbname D user U sslmode M": where a connection string points, for logs; never
// its password. A string libpq cannot parse is described as such.
std::string describe_conninfo(const std::string& conninfo);

// A connection string libpq cannot parse: the reason, else nothing.
std::optional<std::string> conninfo_problem(const std::string& conninfo);

// Makes a store per connection attempt; each connects when opened.
store_factory postgres_store_factory(std::string conninfo, write_method method);

// One row of kv_changes as the restore reads it. value is a put's bytes; expires_at_ms 0: none.
struct stored_change {
  std::uint64_t rev = 0;
  std::string op;
  std::string key;
  std::optional<std::string> type;
  std::optional<std::string> value;
  std::uint64_t version = 0;
  std::int64_t expires_at_ms = 0;
};

// Every row of kv_changes in rev order, a page at a time, into `on_row`. Throws std::exception
// (a connection or query failure, a missing table) with a message naming the cause.
void read_changes(const std::string& conninfo, const std::function<void(stored_change&&)>& on_row);

}  // namespace kv::changelog
