// Listing and batch writes: GET/POST /v1/keys, and the old services' /set, /search and /.
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/base64.hpp"
#include "core/json_text.hpp"
#include "core/key.hpp"
#include "transports/http/access_gate.hpp"
#include "transports/http/http_error.hpp"
#include "transports/http/request_params.hpp"
#include "transports/http/routes.hpp"
#include "transports/http/streamed_listing.hpp"

namespace kv::http {
namespace {

constexpr std::size_t default_list_limit = 1000;
constexpr std::size_t max_list_limit = 10000;
// A page with values stops at this many bytes, so that 10000 large values never build one
// multi-gigabyte reply; the client follows `next` as for any page.
constexpr std::size_t list_byte_budget = 16 << 20;

// {"keys":[KEY,...],"next":KEY|null}, or with values {"items":[{"key":..,"value":BASE64,
// "version":..},...],"next":..}, where a typed value's item also has "type":T (no "type" means
// bytes, as before typed values): written straight into the reply, as a page can hold 10000 keys.
std::string page_json(const list_page& page, bool with_values) {
  std::string out;
  out.reserve(32 + page.items.size() * 32);
  out += with_values ? R"({"items":[)" : R"({"keys":[)";
  for (const auto& item : page.items) {
    if (&item != &page.items.front()) out.push_back(',');
    if (!with_values) {
      append_json_string(out, item.key);
      continue;
    }
    out += R"({"key":)";
    append_json_string(out, item.key);
    out += R"(,"value":")";
    out += base64_encode(item.value.view());
    out += R"(","version":)";
    out += std::to_string(item.version);
    if (item.type != value_type::bytes) {
      out += R"(,"type":")";
      out += type_name(item.type);
      out.push_back('"');
    }
    out.push_back('}');
  }
  out += R"(],"next":)";
  if (page.next) {
    append_json_string(out, *page.next);
  } else {
    out += "null";
  }
  out.push_back('}');
  return out;
}

// Leaves out what the caller's token may not read; with authentication off, nothing.
void show_only_readable(listing_format& format, const exchange_ptr& ex) {
  if (const auto grant = ex->grant_ptr()) {
    format.shows = [grant](const scan_item& item) { return grant->may_read(item.key); };
  }
}

}  // namespace

void serve_list(const Request& request, const exchange_ptr& ex) {
  scan_query query;
  query.prefix = query_text(request, "prefix").value_or("");
  query.suffix = query_text(request, "suffix").value_or("");
  query.after = query_text(request, "after");
  query.with_values = query_flag(request, "values");
  query.limit = query_unsigned(request, "limit").value_or(default_list_limit);
  if (query.limit < 1 || query.limit > max_list_limit) {
    throw bad_request("limit must be from 1 to " + std::to_string(max_list_limit));
  }
  if (query.with_values) query.byte_budget = list_byte_budget;
  const bool with_values = query.with_values;
  ex->context().store.list(std::move(query), [ex, with_values](std::optional<list_page> page) {
    if (!page) return reply_unavailable(ex);
    // `next` stays the scan's cursor, so a page may hold fewer readable keys than `limit`.
    if (ex->grant() != nullptr) {
      std::erase_if(page->items, [&ex](const scan_item& item) { return !may_show(*ex, item.key); });
    }
    ex->send(200, page_json(*page, with_values), content_type::json);
  });
}

void serve_batch(const Request& request, const exchange_ptr& ex) {
  const auto document = nlohmann::json::parse(request.body(), nullptr, false);
  if (document.is_discarded()) throw bad_request("body is not valid JSON");
  if (!document.is_object()) throw bad_request("body must be a JSON object of keys and values");
  const auto& options = ex->context().options;
  // Everything is checked before anything is written: a bad pair writes nothing.
  key_value_list pairs;
  pairs.reserve(document.size());
  for (const auto& [key, value] : document.items()) {
    if (auto problem = key_problem(key, options.max_key_bytes)) {
      throw bad_request("key `" + key + "`: " + *problem);
    }
    // A JSON string is stored as its UTF-8 bytes, any other JSON value as a json value, so it
    // reads back with its JSON type.
    const bool text = value.is_string();
    auto stored = shared_bytes::copy_of(text ? value.get<std::string>() : value.dump());
    check_value_size(stored.size(), options.max_value_bytes);
    pairs.emplace_back(key, std::move(stored), text ? value_type::bytes : value_type::json);
  }
  // Every key's access is checked before any is written, as every key's validity is.
  for (const auto& pair : pairs) require_write(*ex, pair.key);
  const std::uint32_t ttl_seconds = query_ttl(request);
  ex->context().store.put_all(std::move(pairs), ttl_seconds,
                              [ex](std::optional<std::size_t> written) {
                                if (!written) return reply_unavailable(ex);
                                ex->send_json(200, {{"written", *written}});
                              });
}

void serve_search(const Request& request, const exchange_ptr& ex) {
  scan_query query;
  query.prefix = query_text(request, "prefix").value_or("");
  query.suffix = query_text(request, "suffix").value_or("");
  listing_format format;
  format.open = "[";
  format.close = "]";
  format.render = [](std::string& out, const scan_item& item) {
    append_json_string(out, item.key);
  };
  show_only_readable(format, ex);
  stream_listing(ex, {std::move(query)}, std::move(format));
}

void serve_dump(const exchange_ptr& ex) {
  scan_query query;
  query.with_values = true;
  listing_format format;
  format.open = "{";
  format.close = "}";
  format.render = [](std::string& out, const scan_item& item) {
    append_json_string(out, item.key);
    out.push_back(':');
    out += to_json_text(item.value.view());
  };
  show_only_readable(format, ex);
  stream_listing(ex, {std::move(query)}, std::move(format));
}

}  // namespace kv::http
