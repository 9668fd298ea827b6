// Ordered map operations and compare-and-swap for one partition.
#include "core/partition_store.hpp"

#include <tuple>

namespace kv {

const stored_value* partition_store::get(std::string_view key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

put_outcome partition_store::put(std::string_view key, shared_bytes value,
                                 std::optional<std::uint64_t> expected_version, value_type type) {
  const auto it = entries_.lower_bound(key);
  const bool exists = it != entries_.end() && it->first == key;
  const std::uint64_t current = exists ? it->second.version : 0;
  if (expected_version && *expected_version != current) {
    return {write_status::conflict, current, false};
  }
  store_at(it, exists, key, stored_value{std::move(value), current + 1, type});
  return {write_status::ok, current + 1, !exists};
}

delete_outcome partition_store::erase(std::string_view key,
                                      std::optional<std::uint64_t> expected_version) {
  const auto it = entries_.find(key);
  const std::uint64_t current = it == entries_.end() ? 0 : it->second.version;
  if (expected_version && *expected_version != current) {
    return {write_status::conflict, false, current};
  }
  if (it == entries_.end()) return {write_status::ok, false, 0};
  erase_at(it);
  return {write_status::ok, true, current};
}

void partition_store::set(std::string_view key, shared_bytes value, std::uint64_t version,
                          value_type type) {
  const auto it = entries_.lower_bound(key);
  const bool exists = it != entries_.end() && it->first == key;
  store_at(it, exists, key, stored_value{std::move(value), version, type});
}

void partition_store::remove(std::string_view key) {
  const auto it = entries_.find(key);
  if (it != entries_.end()) erase_at(it);
}

void partition_store::store_at(entry_map::iterator it, bool exists, std::string_view key,
                               stored_value stored) {
  if (exists) {
    bytes_ = bytes_ - it->second.value.size() + stored.value.size();
    it->second = std::move(stored);
    return;
  }
  bytes_ += key.size() + stored.value.size();
  entries_.emplace_hint(it, std::piecewise_construct, std::forward_as_tuple(key),
                        std::forward_as_tuple(std::move(stored)));
}

void partition_store::erase_at(entry_map::iterator it) {
  bytes_ -= it->first.size() + it->second.value.size();
  entries_.erase(it);
}

scan_page partition_store::scan(const scan_query& query) const {
  scan_page page;
  auto it = query.after && *query.after >= query.prefix ? entries_.upper_bound(*query.after)
                                                        : entries_.lower_bound(query.prefix);
  for (; it != entries_.end() && page.items.size() < query.limit; ++it) {
    const std::string_view key = it->first.view();
    if (!key.starts_with(query.prefix)) break;
    if (!key.ends_with(query.suffix)) continue;
    if (page.bytes >= query.byte_budget) {
      page.budget_exhausted = true;
      break;
    }
    page.bytes += key.size() + (query.with_values ? it->second.value.size() : 0);
    page.items.push_back({std::string(key), query.with_values ? it->second.value : nullptr,
                          it->second.version, it->second.type});
  }
  return page;
}

}  // namespace kv
