// AgathEmmanuel/key-value-store: FastAPI 0.78 with pydantic 1.9 models over a dict of strings.
// Bodies are Starlette's compact JSON; validation errors are pydantic's {"detail":[...]}.
#include "transports/http/dialects/agathemmanuel/agathemmanuel_routes.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/hex_digit.hpp"
#include "core/json_styles.hpp"
#include "core/key.hpp"
#include "transports/http/streamed_listing.hpp"

namespace kv::http::dialects {
namespace {

constexpr std::string_view get_prefix = "/get/";

void send_detail(const exchange_ptr& ex, int status, std::string_view detail) {
  std::string body = R"({"detail":)";
  append_compact_json_string(body, detail);
  body += '}';
  ex->send(status, body, content_type::json);
}

void send_not_found(const exchange_ptr& ex) {
  send_detail(ex, 404, "Not Found");
}

void send_unavailable(const exchange_ptr& ex) {
  send_detail(ex, 503, "the store did not answer in time");
}

// Starlette answers a known path with another method so, naming the methods it takes. FastAPI's
// routes take only the methods declared, so HEAD of a GET route is one of these.
void send_method_not_allowed(const exchange_ptr& ex, std::string_view allowed) {
  ex->add_header("Allow", allowed);
  send_detail(ex, 405, "Method Not Allowed");
}

// Python's unquote: a malformed escape stays as it is, never an error; with `plus_is_space`
// as parse_qsl decodes query values.
std::string python_unquote(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
        hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

// One pydantic error of the request body.
nlohmann::ordered_json body_error(nlohmann::ordered_json loc, std::string_view msg,
                                  std::string_view type) {
  return {{"loc", std::move(loc)}, {"msg", msg}, {"type", type}};
}

void send_validation_errors(const exchange_ptr& ex, nlohmann::ordered_json errors) {
  const nlohmann::ordered_json body = {{"detail", std::move(errors)}};
  ex->send(422, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
           content_type::json);
}

// A model field of type str as pydantic v1 takes it: strings as they are, numbers and booleans
// as Python's str() writes them.
std::optional<std::string> coerce_to_str(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return value.dump();
    case nlohmann::json::value_t::number_float:
      return python_float_text(value.get<double>());
    default:
      return std::nullopt;
  }
}

// Whether FastAPI parses the body as JSON: no Content-Type, or application/json or
// application/*+json.
bool json_content_type(const request& req) {
  const auto header = req.header("Content-Type");
  if (!header) return true;
  std::string media(header->substr(0, header->find(';')));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json" ||
         (media.starts_with("application/") && media.ends_with("+json"));
}

// Python's json error for a body that does not parse. Python's messages say what it expected at
// the position; this one is exact for a body that is not JSON from its first character.
nlohmann::ordered_json json_decode_error(const std::string& body, std::size_t position) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < position && i < body.size(); ++i) {
    if (body[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  const std::string msg = "Expecting value";
  nlohmann::ordered_json error =
      body_error({"body", position},
                 msg + ": line " + std::to_string(line) + " column " + std::to_string(column) +
                     " (char " + std::to_string(position) + ")",
                 "value_error.jsondecode");
  error["ctx"] = {
      {"msg", msg}, {"doc", body}, {"pos", position}, {"lineno", line}, {"colno", column}};
  return nlohmann::ordered_json::array({std::move(error)});
}

// The Item model {key: str, value: str}; nothing when the body fails validation, which has
// then been answered.
std::optional<std::pair<std::string, std::string>> item_of(const request& req,
                                                           const exchange_ptr& ex) {
  const std::string& body = req.body();
  if (body.empty()) {
    send_validation_errors(ex, {body_error({"body"}, "field required", "value_error.missing")});
    return std::nullopt;
  }
  if (!json_content_type(req)) {
    send_validation_errors(ex,
                           {body_error({"body"}, "value is not a valid dict", "type_error.dict")});
    return std::nullopt;
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& error) {
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    const std::size_t position = first == std::string::npos ? body.size()
                                 : error.byte <= first + 1  ? first
                                                            : error.byte - 1;
    send_validation_errors(ex, json_decode_error(body, position));
    return std::nullopt;
  }
  if (document.is_null()) {
    send_validation_errors(ex, {body_error({"body"}, "field required", "value_error.missing")});
    return std::nullopt;
  }
  if (!document.is_object()) {
    send_validation_errors(ex,
                           {body_error({"body"}, "value is not a valid dict", "type_error.dict")});
    return std::nullopt;
  }
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  std::array<std::string, 2> fields;
  const std::array<std::string_view, 2> names = {"key", "value"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name(names[i]);
    const auto member = document.find(name);
    if (member == document.end()) {
      errors.push_back(body_error({"body", name}, "field required", "value_error.missing"));
    } else if (member->is_null()) {
      errors.push_back(body_error({"body", name}, "none is not an allowed value",
                                  "type_error.none.not_allowed"));
    } else if (auto text = coerce_to_str(*member)) {
      fields[i] = std::move(*text);
    } else {
      errors.push_back(body_error({"body", name}, "str type expected", "type_error.str"));
    }
  }
  if (errors.empty()) {
    const auto& options = ex->context().options;
    // kvactor's own limits on keys and values, reported as pydantic reports a bad field.
    if (auto problem = key_problem(fields[0], options.max_key_bytes)) {
      errors.push_back(body_error({"body", "key"}, *problem, "value_error"));
    }
    if (fields[1].size() > options.max_value_bytes) {
      errors.push_back(body_error(
          {"body", "value"},
          "ensure this value has at most " + std::to_string(options.max_value_bytes) + " bytes",
          "value_error"));
    }
  }
  if (!errors.empty()) {
    send_validation_errors(ex, std::move(errors));
    return std::nullopt;
  }
  return std::pair{std::move(fields[0]), std::move(fields[1])};
}

// The key is one path segment as Starlette decodes it (so "%2F" is a '/' and matches nothing).
void serve_get(std::string key, const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::get) return send_method_not_allowed(ex, "GET");
  if (key_problem(key, ex->context().options.max_key_bytes)) {
    return send_detail(ex, 404, "Key not found");
  }
  ex->context().store.get(std::move(key), [ex](std::optional<stored_value> found) {
    if (!found) return send_unavailable(ex);
    if (!found->value) return send_detail(ex, 404, "Key not found");
    std::string body;
    append_compact_json_string(body, found->value.view());
    ex->send(200, body, content_type::json);
  });
}

void serve_set(const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::post) return send_method_not_allowed(ex, "POST");
  auto item = item_of(req, ex);
  if (!item) return;
  ex->context().store.put(std::move(item->first), shared_bytes::copy_of(item->second),
                          value_type::bytes, std::nullopt,
                          [ex](std::optional<put_outcome> outcome) {
                            if (!outcome) return send_unavailable(ex);
                            ex->send(200, "null", content_type::json);
                          });
}

// Starlette's query value: the parameter given, or nothing when absent or empty.
std::optional<std::string> query_value(const request& req, std::string_view name) {
  const auto raw = req.query(name);
  if (!raw || raw->empty()) return std::nullopt;
  return python_unquote(*raw, true);
}

// The values of keys with the prefix, then of keys with the suffix; [] without either.
void serve_search(const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::get) return send_method_not_allowed(ex, "GET");
  std::vector<scan_query> scans;
  if (auto prefix = query_value(req, "prefix")) scans.emplace_back().prefix = std::move(*prefix);
  if (auto suffix = query_value(req, "suffix")) scans.emplace_back().suffix = std::move(*suffix);
  if (scans.empty()) return ex->send(200, "[]", content_type::json);
  for (auto& scan : scans) scan.with_values = true;
  listing_format format;
  format.open = "[";
  format.close = "]";
  format.render = [](std::string& out, const scan_item& item) {
    append_compact_json_string(out, item.value.view());
  };
  stream_listing(ex, std::move(scans), std::move(format));
}

// The routes of the service as Starlette matches a decoded path: /get/{key} with a key of one
// segment, /set, /search.
enum class agath_path { get, set, search, none };

agath_path classify(std::string_view decoded) {
  if (decoded == "/set") return agath_path::set;
  if (decoded == "/search") return agath_path::search;
  if (decoded.starts_with(get_prefix)) {
    const std::string_view key = decoded.substr(get_prefix.size());
    if (!key.empty() && key.find('/') == std::string_view::npos) return agath_path::get;
  }
  return agath_path::none;
}

// Starlette redirects a path with trailing slashes to the route without them (307, the full
// URL), whatever the method.
void serve(const request& req, const exchange_ptr& ex) {
  const std::string decoded = python_unquote(req.path(), false);
  switch (classify(decoded)) {
    case agath_path::get:
      return serve_get(decoded.substr(get_prefix.size()), req, ex);
    case agath_path::set:
      return serve_set(req, ex);
    case agath_path::search:
      return serve_search(req, ex);
    case agath_path::none:
      break;
  }
  std::string_view stripped = req.path();
  while (stripped.size() > 1 && stripped.back() == '/') stripped.remove_suffix(1);
  if (stripped != req.path() && classify(python_unquote(stripped, false)) != agath_path::none) {
    const std::string host(req.header("Host").value_or("localhost"));
    std::string location = "http://" + host + std::string(stripped);
    if (const auto query = req.query_string(); !query.empty()) location.append("?").append(query);
    ex->add_header("Location", location);
    return ex->send_empty(307);
  }
  send_not_found(ex);
}

}  // namespace

std::optional<dialect_route> agathemmanuel_route(std::string_view path) {
  if (path == "/") return dialect_route{route::compat_dump, false, serve};
  if (path.starts_with(get_prefix)) return dialect_route{route::compat_get, true, serve};
  if (path.starts_with("/set") && path.find_first_not_of('/', 4) == std::string_view::npos) {
    return dialect_route{route::compat_set, true, serve};
  }
  if (path.starts_with("/search") && path.find_first_not_of('/', 7) == std::string_view::npos) {
    return dialect_route{route::compat_search, true, serve};
  }
  return std::nullopt;
}

}  // namespace kv::http::dialects
