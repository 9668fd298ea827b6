// The data of one partition: an ordered map from key to value and version, with the
// compare-and-swap rules of the contract. Single-threaded by design: its actor owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/shared_bytes.hpp"
#include "core/stored_key.hpp"
#include "core/value_type.hpp"

namespace kv {

// Values are immutable once stored, so readers share them instead of copying them. A typed
// value is its stored text (core/typed_text.hpp) plus its type, which lives in the version's
// top byte: no version comes near 2^56, and so a plain value's map node stays as small as it was.
struct stored_value {
  shared_bytes value;
  std::uint64_t version : 56 = 0;
  value_type type : 8 = value_type::bytes;
};

static_assert(sizeof(stored_value) == 16, "the type tag costs a stored value no space");

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
};

struct scan_item {
  std::string key;
  shared_bytes value;  // null unless with_values
  std::uint64_t version = 0;
  value_type type = value_type::bytes;
};

struct scan_page {
  std::vector<scan_item> items;
  std::size_t bytes = 0;
  bool budget_exhausted = false;  // stopped by byte_budget; more matches may follow
};

class partition_store {
 public:
  const stored_value* get(std::string_view key) const;

  // expected_version: none = unconditional; 0 = only if absent; N = only if at version N.
  put_outcome put(std::string_view key, shared_bytes value,
                  std::optional<std::uint64_t> expected_version,
                  value_type type = value_type::bytes);
  delete_outcome erase(std::string_view key, std::optional<std::uint64_t> expected_version);

  // Absolute changes with no version rules, for what was already decided: replaying the
  // write-ahead log (each record carries the version it left) and taking back a write that
  // could not be logged.
  void set(std::string_view key, shared_bytes value, std::uint64_t version,
           value_type type = value_type::bytes);
  void remove(std::string_view key);

  scan_page scan(const scan_query& query) const;

  std::size_t key_count() const { return entries_.size(); }
  std::size_t byte_count() const { return bytes_; }  // keys plus values

 private:
  using entry_map = std::map<stored_key, stored_value, std::less<>>;
  // Where put and set meet, and erase and remove: the one place that keeps bytes_ right.
  // `it` is the key's lower bound; `exists` whether it is the key itself.
  void store_at(entry_map::iterator it, bool exists, std::string_view key, stored_value stored);
  void erase_at(entry_map::iterator it);

  entry_map entries_;
  std::size_t bytes_ = 0;
};

}  // namespace kv
