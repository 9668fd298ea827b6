// importhuman/kv-store's gorilla/mux service over a Go map[string]interface{}: values keep their
// JSON type (strings are stored as bytes, anything else as a json value), numbers are float64,
// and every answer is Go's JSON followed by a newline.
#include "transports/http/dialects/importhuman/importhuman_routes.hpp"

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/json_styles.hpp"
#include "core/key.hpp"
#include "core/percent_decode.hpp"
#include "core/typed_text.hpp"
#include "transports/http/dialects/go_http.hpp"
#include "transports/http/dialects/go_path.hpp"
#include "transports/http/streamed_listing.hpp"

namespace kv::http::dialects {
namespace {

constexpr std::string_view get_prefix = "/get/";

void send_unavailable(const exchange_ptr& ex) {
  send_go_error(ex, 503, "the store did not answer in time");
}

// A value as the service's map holds it, in Go's JSON: bytes as a string, a json value as the
// document it is, numbers as float64 (an int or uint keeps its exact digits), a set as an array
// and a hash as an object.
void append_value(std::string& out, value_type type, std::string_view text) {
  switch (type) {
    case value_type::bytes:
      return append_go_json_string(out, text);
    case value_type::int64:
    case value_type::uint64:
      out += text;
      return;
    case value_type::float64:
      out += go_float_text(parse_float64(text, "stored value"));
      return;
    case value_type::set:
    case value_type::hash:
    case value_type::json:
      out += go_json_text(nlohmann::json::parse(text));
      return;
  }
}

// The whole store as one Go-JSON object and a newline, streamed.
void stream_store(const exchange_ptr& ex) {
  scan_query everything;
  everything.with_values = true;
  listing_format format;
  format.open = "{";
  format.close = "}\n";
  format.when_empty = "{}\n";
  format.render = [](std::string& out, const scan_item& item) {
    append_go_json_string(out, item.key);
    out.push_back(':');
    append_value(out, item.type, item.value.view());
  };
  stream_listing(ex, {std::move(everything)}, std::move(format));
}

// The key is one path segment as Go decodes it: a "%2F" decodes to '/', which mux's [^/]+
// does not match. mux first redirects a path that is not clean.
void serve_get(const request& req, const exchange_ptr& ex) {
  const auto path = percent_decode(req.path());
  if (!path) return ex->send(400, "400 Bad Request", go_text_type);
  if (redirected_unclean_path(*path, req, ex)) return;
  const std::string key = path->substr(get_prefix.size());
  if (key.empty() || key.find('/') != std::string::npos) return send_go_not_found(ex);
  if (req.request_method() != method::get) return send_go_method_not_allowed(ex);
  if (key_problem(key, ex->context().options.max_key_bytes)) {
    return send_go_error(ex, 400, "Key not present");
  }
  ex->context().store.get(key, [ex](std::optional<stored_value> found) {
    if (!found) return send_unavailable(ex);
    if (!found->value) return send_go_error(ex, 400, "Key not present");
    std::string body;
    append_value(body, found->type, found->value.view());
    body += '\n';
    ex->send(200, body, content_type::json);
  });
}

// The pairs of a /set body, or why it has none to write.
struct set_body {
  key_value_list pairs;
  std::optional<std::string> problem;
};

set_body refused(std::string problem) {
  return {{}, std::move(problem)};
}

// The pairs of the body's first JSON value, checked whole before anything is written. The
// original's handler crashes on a bad body and closes the connection unanswered; a 400 with the
// reason tells the client more.
set_body pairs_of_body(const std::string& body, const server_options& options) {
  std::istringstream in(body);
  nlohmann::json document;
  try {
    in >> document;
  } catch (const nlohmann::json::parse_error& error) {
    return refused(std::string("body is not JSON: ") + error.what());
  }
  if (document.is_null()) return {};
  if (!document.is_object()) return refused("body must be a JSON object of keys and values");
  set_body result;
  for (const auto& [key, value] : document.items()) {
    if (auto problem = key_problem(key, options.max_key_bytes)) {
      return refused("key " + key + ": " + *problem);
    }
    const bool text = value.is_string();
    auto stored = shared_bytes::copy_of(text ? value.get<std::string>() : value.dump());
    if (stored.size() > options.max_value_bytes) {
      return refused("the value of key " + key + " is over " +
                     std::to_string(options.max_value_bytes) + " bytes");
    }
    result.pairs.emplace_back(key, std::move(stored), text ? value_type::bytes : value_type::json);
  }
  return result;
}

// Answers the whole store once the pairs are written, as the original answers its map.
void serve_set(const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::post) return send_go_method_not_allowed(ex);
  set_body body = pairs_of_body(req.body(), ex->context().options);
  if (body.problem) return send_go_error(ex, 400, *body.problem);
  ex->context().store.put_all(std::move(body.pairs), [ex](std::optional<std::size_t> written) {
    if (!written) return send_unavailable(ex);
    stream_store(ex);
  });
}

// Go's Query(): '+' is a space, and a parameter with a malformed escape is dropped.
std::optional<std::string> query_value(const request& req, std::string_view name) {
  const auto raw = req.query(name);
  if (!raw) return std::nullopt;
  return percent_decode(*raw, plus_means::space);
}

// Keys with the prefix, then keys with the suffix (a key may be in both); "null" when none.
void serve_search(const request& req, const exchange_ptr& ex) {
  const auto prefix = query_value(req, "prefix");
  const auto suffix = query_value(req, "suffix");
  if (!prefix && !suffix) return send_go_not_found(ex);
  if (req.request_method() != method::get) return send_go_method_not_allowed(ex);
  std::vector<scan_query> scans;
  if (prefix) scans.emplace_back().prefix = *prefix;
  if (suffix) scans.emplace_back().suffix = *suffix;
  listing_format format;
  format.open = "[";
  format.close = "]\n";
  format.when_empty = "null\n";
  format.render = [](std::string& out, const scan_item& item) {
    append_go_json_string(out, item.key);
  };
  stream_listing(ex, std::move(scans), std::move(format));
}

void serve_root(const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::get) return send_go_method_not_allowed(ex);
  stream_store(ex);
}

}  // namespace

std::optional<dialect_route> importhuman_route(std::string_view path) {
  if (path.starts_with(get_prefix)) return dialect_route{route::compat_get, true, serve_get};
  if (path == "/set") return dialect_route{route::compat_set, true, serve_set};
  if (path == "/search") return dialect_route{route::compat_search, true, serve_search};
  if (path == "/") return dialect_route{route::compat_dump, true, serve_root};
  return std::nullopt;
}

}  // namespace kv::http::dialects
