// The data of one partition: an ordered map from key to value and version, with a hash index
// for lookups by key, the compare-and-swap rules and expiry deadlines of the contract.
// Single-threaded: its actor owns it.
#pragma once

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/shared_bytes.hpp"
#include "core/stored_key.hpp"
#include "core/value_type.hpp"

namespace kv {

// Values are immutable once stored, so readers share them instead of copying them. A typed
// value is its stored text (core/typed_text.hpp) plus its type, which lives in the version's
// top byte, and whether it has an expiry deadline in the bit below: no version comes near 2^55,
// and so a plain value's map node stays as small as it was.
struct stored_value {
  shared_bytes value;
  std::uint64_t version : 55 = 0;
  bool expires : 1 = false;  // its deadline is in the partition's expiry index
  value_type type : 8 = value_type::bytes;
};

static_assert(sizeof(stored_value) == 16, "the type tag and expiry bit cost a value no space");

// A key as a read sees it: the value (null when absent or expired) and its deadline.
struct read_value : stored_value {
  std::int64_t expires_at_ms = 0;  // Unix milliseconds; 0 = never
};

enum class write_status { ok, conflict };

struct put_outcome {
  write_status status = write_status::ok;
  std::uint64_t version = 0;  // the new version, or on conflict the current one (0 = absent)
  bool created = false;
};

struct delete_outcome {
  write_status status = write_status::ok;
  bool deleted = false;
  std::uint64_t current_version = 0;  // on conflict: the key's version, 0 when absent
};

struct scan_query {
  std::string prefix;
  std::string suffix;
  std::optional<std::string> after;  // exclusive cursor
  std::size_t limit = 1000;
  bool with_values = false;
  // Stop once the page holds this many key and value bytes (at least one item is returned),
  // so that a page of large values stays bounded in memory.
  std::size_t byte_budget = SIZE_MAX;
  // Snapshots keep expired keys not yet removed, so that recovery removes them with their events.
  bool include_expired = false;
};

struct scan_item {
  std::string key;
  shared_bytes value;  // null unless with_values
  std::uint64_t version = 0;
  value_type type = value_type::bytes;
  std::int64_t expires_at_ms = 0;
};

struct scan_page {
  std::vector<scan_item> items;
  std::size_t bytes = 0;
  bool budget_exhausted = false;  // stopped by byte_budget; more matches may follow
};

// Expiry: a key whose deadline is at or before the store's clock is invisible to every read
// (get, read, scan) from that moment, though it stays in the map until its actor removes it with
// remove(), logging and announcing the expiry. The clock is the latest Unix time the actor
// passed to advance_clock: it never goes back, so a system clock stepped backwards cannot bring
// an expired key back.
class partition_store {
 public:
  // A live key's value, or null when it is absent or expired.
  const stored_value* get(std::string_view key) const;
  // The same with the key's deadline; with include_expired, also a key past its deadline that
  // is still in the map (what a removal must be able to restore).
  read_value read(std::string_view key, bool include_expired = false) const;

  // expected_version: none = unconditional; 0 = only if absent; N = only if at version N.
  // A write sets the key's deadline to `expires_at_ms` (0: none, clearing any it had). The
  // caller removes an expired key first: to a write it is still there.
  put_outcome put(std::string_view key, shared_bytes value,
                  std::optional<std::uint64_t> expected_version,
                  value_type type = value_type::bytes, std::int64_t expires_at_ms = 0);
  delete_outcome erase(std::string_view key, std::optional<std::uint64_t> expected_version);

  // Absolute changes with no version rules, for what was already decided: replaying the
  // write-ahead log (each record carries the version it left) and taking back a write that
  // could not be logged.
  void set(std::string_view key, shared_bytes value, std::uint64_t version,
           value_type type = value_type::bytes, std::int64_t expires_at_ms = 0);
  void remove(std::string_view key);

  scan_page scan(const scan_query& query) const;

  // ---- Expiry ----
  void advance_clock(std::int64_t unix_ms) { clock_ms_ = std::max(clock_ms_, unix_ms); }
  std::int64_t clock_ms() const { return clock_ms_; }
  bool has_deadlines() const { return !by_deadline_.empty(); }
  // The key is in the map but past its deadline: it must be removed before it is written.
  bool expired(std::string_view key) const;
  // The earliest deadline, expired or not.
  std::optional<std::int64_t> next_deadline() const;
  // Up to `limit` expired keys, earliest deadline first, with the version each has.
  std::vector<std::pair<std::string, std::uint64_t>> expired_keys(std::size_t limit) const;
  // The same as of `unix_ms` instead of the store's clock (cluster mode: the leader's time).
  std::vector<std::pair<std::string, std::uint64_t>> expired_keys_at(std::int64_t unix_ms,
                                                                     std::size_t limit) const;

  std::size_t key_count() const { return entries_.size(); }
  std::size_t byte_count() const { return bytes_; }  // keys plus values

 private:
  using entry_map = std::map<stored_key, stored_value, std::less<>>;
  // The map's entries by key hash: a lookup is a probe and one node, where a walk down the tree
  // is a cache miss per level (a third of a pipelined SET's time with 100,000 keys). The tree
  // stays for what needs order: scans, and where a new key goes.
  struct entry_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return absl::Hash<std::string_view>{}(key);
    }
    std::size_t operator()(entry_map::iterator it) const { return (*this)(it->first.view()); }
  };
  struct entry_equal {
    using is_transparent = void;
    static std::string_view key_of(std::string_view key) { return key; }
    static std::string_view key_of(entry_map::iterator it) { return it->first.view(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return key_of(a) == key_of(b);
    }
  };
  using entry_index = absl::flat_hash_set<entry_map::iterator, entry_hash, entry_equal>;
  // The key's entry, or entries_.end().
  entry_map::iterator find(std::string_view key);
  entry_map::const_iterator find(std::string_view key) const;
  // Where put and set meet, and erase and remove: the one place that keeps bytes_, the hash
  // index and the expiry index right. `it` is find(key): the key's entry, or end() for a new key.
  void store_at(entry_map::iterator it, std::string_view key, stored_value stored,
                std::int64_t expires_at_ms);
  void erase_at(entry_map::iterator it);
  std::int64_t deadline_of(const entry_map::value_type& entry) const;
  bool live(const entry_map::value_type& entry) const;
  void drop_deadline(const stored_key* key);

  entry_map entries_;
  entry_index index_;
  std::size_t bytes_ = 0;
  // Only keys with a deadline are in these: by the map's key (std::map never moves it), for
  // reads, and by deadline, for the sweep.
  std::unordered_map<const stored_key*, std::int64_t> deadlines_;
  std::set<std::pair<std::int64_t, const stored_key*>> by_deadline_;
  std::int64_t clock_ms_ = 0;
};

}  // namespace kv
