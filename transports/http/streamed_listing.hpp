// A 200 answer holding every key one or more scans match, written page by page as the client
// reads it, so that a listing of the whole store is never built in memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/store_api.hpp"
#include "transports/http/exchange.hpp"

namespace kv::http {

struct listing_format {
  std::string_view content_type = content_type::json;
  std::string open;   // before the first item
  std::string close;  // after the last
  // The whole body when nothing matched; without it, open and close.
  std::optional<std::string> when_empty;
  // Appends one item (a separator before every item but the first is added around it).
  std::function<void(std::string& out, const scan_item& item)> render;
  std::string separator = ",";
  // Which items the caller may see (its token's prefixes); without it, every item.
  std::function<bool(const scan_item& item)> shows;
};

// The scans run one after the other, their items in order; each query's limit and byte budget
// are replaced by the page sizes of a stream.
void stream_listing(const exchange_ptr& ex, std::vector<scan_query> queries, listing_format format);

}  // namespace kv::http
