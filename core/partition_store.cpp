// Ordered map operations and compare-and-swap for one partition.
#include "core/partition_store.hpp"

namespace kv {

const stored_value* partition_store::get(std::string_view key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

put_outcome partition_store::put(std::string key, value_ptr value,
                                 std::optional<std::uint64_t> expected_version) {
  auto it = entries_.lower_bound(key);
  const bool exists = it != entries_.end() && it->first == key;
  const std::uint64_t current = exists ? it->second.version : 0;
  if (expected_version && *expected_version != current) {
    return {write_status::conflict, current, false};
  }
  if (exists) {
    bytes_ = bytes_ - it->second.value->size() + value->size();
    it->second.value = std::move(value);
    return {write_status::ok, ++it->second.version, false};
  }
  bytes_ += key.size() + value->size();
  entries_.emplace_hint(it, std::move(key), stored_value{std::move(value), 1});
  return {write_status::ok, 1, true};
}

delete_outcome partition_store::erase(std::string_view key,
                                      std::optional<std::uint64_t> expected_version) {
  const auto it = entries_.find(key);
  const std::uint64_t current = it == entries_.end() ? 0 : it->second.version;
  if (expected_version && *expected_version != current) {
    return {write_status::conflict, false, current};
  }
  if (it == entries_.end()) return {write_status::ok, false, 0};
  bytes_ -= it->first.size() + it->second.value->size();
  entries_.erase(it);
  return {write_status::ok, true, current};
}

void partition_store::set(std::string key, value_ptr value, std::uint64_t version) {
  auto it = entries_.lower_bound(key);
  if (it != entries_.end() && it->first == key) {
    bytes_ = bytes_ - it->second.value->size() + value->size();
    it->second = stored_value{std::move(value), version};
    return;
  }
  bytes_ += key.size() + value->size();
  entries_.emplace_hint(it, std::move(key), stored_value{std::move(value), version});
}

void partition_store::remove(std::string_view key) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->first.size() + it->second.value->size();
  entries_.erase(it);
}

scan_page partition_store::scan(const scan_query& query) const {
  scan_page page;
  auto it = query.after && *query.after >= query.prefix ? entries_.upper_bound(*query.after)
                                                        : entries_.lower_bound(query.prefix);
  for (; it != entries_.end() && page.items.size() < query.limit; ++it) {
    const std::string& key = it->first;
    if (key.compare(0, query.prefix.size(), query.prefix) != 0) break;
    if (!key.ends_with(query.suffix)) continue;
    if (page.bytes >= query.byte_budget) {
      page.budget_exhausted = true;
      break;
    }
    page.bytes += key.size() + (query.with_values ? it->second.value->size() : 0);
    page.items.push_back({key, query.with_values ? it->second.value : nullptr, it->second.version});
  }
  return page;
}

}  // namespace kv
