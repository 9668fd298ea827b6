// Ordered map operations, compare-and-swap and expiry deadlines for one partition.
#include "core/partition_store.hpp"

#include <tuple>

namespace kv {

partition_store::entry_map::iterator partition_store::find(std::string_view key) {
  const auto found = index_.find(key);
  return found == index_.end() ? entries_.end() : *found;
}

partition_store::entry_map::const_iterator partition_store::find(std::string_view key) const {
  const auto found = index_.find(key);
  return found == index_.end() ? entries_.cend() : entry_map::const_iterator(*found);
}

std::int64_t partition_store::deadline_of(const entry_map::value_type& entry) const {
  if (!entry.second.expires) return 0;
  return deadlines_.find(&entry.first)->second;
}

bool partition_store::live(const entry_map::value_type& entry) const {
  return !entry.second.expires || deadline_of(entry) > clock_ms_;
}

const stored_value* partition_store::get(std::string_view key) const {
  const auto it = find(key);
  return it == entries_.end() || !live(*it) ? nullptr : &it->second;
}

read_value partition_store::read(std::string_view key, bool include_expired) const {
  const auto it = find(key);
  if (it == entries_.end() || (!include_expired && !live(*it))) return {};
  read_value found{it->second};
  found.expires_at_ms = deadline_of(*it);
  return found;
}

bool partition_store::expired(std::string_view key) const {
  if (by_deadline_.empty()) return false;  // every write asks: no lookup when nothing expires
  const auto it = find(key);
  return it != entries_.end() && !live(*it);
}

put_outcome partition_store::put(std::string_view key, shared_bytes value,
                                 std::optional<std::uint64_t> expected_version, value_type type,
                                 std::int64_t expires_at_ms) {
  const auto it = find(key);
  const bool exists = it != entries_.end();
  const std::uint64_t current = exists ? it->second.version : 0;
  if (expected_version && *expected_version != current) {
    return {write_status::conflict, current, false};
  }
  store_at(it, key, stored_value{std::move(value), current + 1, false, type}, expires_at_ms);
  return {write_status::ok, current + 1, !exists};
}

delete_outcome partition_store::erase(std::string_view key,
                                      std::optional<std::uint64_t> expected_version) {
  const auto it = find(key);
  const std::uint64_t current = it == entries_.end() ? 0 : it->second.version;
  if (expected_version && *expected_version != current) {
    return {write_status::conflict, false, current};
  }
  if (it == entries_.end()) return {write_status::ok, false, 0};
  erase_at(it);
  return {write_status::ok, true, current};
}

void partition_store::set(std::string_view key, shared_bytes value, std::uint64_t version,
                          value_type type, std::int64_t expires_at_ms) {
  store_at(find(key), key, stored_value{std::move(value), version, false, type}, expires_at_ms);
}

void partition_store::remove(std::string_view key) {
  const auto it = find(key);
  if (it != entries_.end()) erase_at(it);
}

void partition_store::store_at(entry_map::iterator it, std::string_view key, stored_value stored,
                               std::int64_t expires_at_ms) {
  stored.expires = expires_at_ms != 0;
  if (it != entries_.end()) {
    if (it->second.expires) drop_deadline(&it->first);
    bytes_ = bytes_ - it->second.value.size() + stored.value.size();
    it->second = std::move(stored);
  } else {
    bytes_ += key.size() + stored.value.size();
    // A new key: the map's walk places it, the only walk a write makes.
    it = entries_
             .emplace(std::piecewise_construct, std::forward_as_tuple(key),
                      std::forward_as_tuple(std::move(stored)))
             .first;
    index_.insert(it);
  }
  if (expires_at_ms == 0) return;
  deadlines_.emplace(&it->first, expires_at_ms);
  by_deadline_.emplace(expires_at_ms, &it->first);
}

void partition_store::erase_at(entry_map::iterator it) {
  if (it->second.expires) drop_deadline(&it->first);
  bytes_ -= it->first.size() + it->second.value.size();
  index_.erase(it);
  entries_.erase(it);
}

void partition_store::drop_deadline(const stored_key* key) {
  const auto found = deadlines_.find(key);
  by_deadline_.erase({found->second, key});
  deadlines_.erase(found);
  // A hash map never shrinks its bucket array: after a burst of expiring keys it would keep
  // holding a slot for each of them.
  if (deadlines_.empty()) decltype(deadlines_)().swap(deadlines_);
}

std::optional<std::int64_t> partition_store::next_deadline() const {
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first;
}

std::vector<std::pair<std::string, std::uint64_t>> partition_store::expired_keys(
    std::size_t limit) const {
  return expired_keys_at(clock_ms_, limit);
}

std::vector<std::pair<std::string, std::uint64_t>> partition_store::expired_keys_at(
    std::int64_t unix_ms, std::size_t limit) const {
  std::vector<std::pair<std::string, std::uint64_t>> keys;
  for (auto it = by_deadline_.begin();
       it != by_deadline_.end() && it->first <= unix_ms && keys.size() < limit; ++it) {
    const auto entry = find(it->second->view());
    keys.emplace_back(std::string(it->second->view()), entry->second.version);
  }
  return keys;
}

scan_page partition_store::scan(const scan_query& query) const {
  scan_page page;
  auto it = query.after && *query.after >= query.prefix ? entries_.upper_bound(*query.after)
                                                        : entries_.lower_bound(query.prefix);
  for (; it != entries_.end() && page.items.size() < query.limit; ++it) {
    const std::string_view key = it->first.view();
    if (!key.starts_with(query.prefix)) break;
    if (!key.ends_with(query.suffix) || (!query.include_expired && !live(*it))) continue;
    if (page.bytes >= query.byte_budget) {
      page.budget_exhausted = true;
      break;
    }
    page.bytes += key.size() + (query.with_values ? it->second.value.size() : 0);
    page.items.push_back({std::string(key), query.with_values ? it->second.value : nullptr,
                          it->second.version, it->second.type, deadline_of(*it)});
  }
  return page;
}

}  // namespace kv
