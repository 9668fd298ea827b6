// bernata/kvstore's gorilla/mux and go-kit service: keys percent-decoded twice, JSON bodies in
// Go's encoding, errors as {"message":"[CODE]: ...","status_code":CODE}, writes answered 204.
#include "transports/http/dialects/bernata/bernata_routes.hpp"

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/json_styles.hpp"
#include "core/key.hpp"
#include "core/percent_decode.hpp"
#include "transports/http/dialects/go_http.hpp"
#include "transports/http/dialects/go_path.hpp"

namespace kv::http::dialects {
namespace {

constexpr std::string_view keys_prefix = "/v1/keys/";
constexpr std::string_view json_type = "application/json; charset=utf-8";

// The service's error body, its message already prefixed with the code.
void send_error(const exchange_ptr& ex, int status, std::string_view message) {
  const std::string code = std::to_string(status);
  std::string text = "[";
  text.append(code).append("]: ").append(message);
  std::string body = R"({"message":)";
  append_go_json_string(body, text);
  body.append(R"(,"status_code":)").append(code).append("}");
  ex->send(status, body, json_type);
}

void send_not_found(const exchange_ptr& ex, const std::string& key) {
  send_error(ex, 404, "key '" + key + "' not found");
}

void get_key(const std::string& key, const exchange_ptr& ex) {
  // A key kvactor cannot store cannot be there.
  if (key_problem(key, ex->context().options.max_key_bytes)) return send_not_found(ex, key);
  ex->context().store.get(key, [ex, key](std::optional<stored_value> found) {
    if (!found) return send_error(ex, 503, "the store did not answer in time");
    if (!found->value) return send_not_found(ex, key);
    std::string body = R"({"key":)";
    append_go_json_string(body, key);
    body += R"(,"value":)";
    append_go_json_string(body, found->value.view());
    body += '}';
    ex->send(200, body, json_type);
  });
}

std::string_view json_kind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::boolean:
      return "bool";
    default:
      return "number";
  }
}

// The body's value, or the text of the error Go's decoder gives for it.
struct decoded_body {
  std::string value;
  std::optional<std::string> go_error;
};

decoded_body failed(std::string go_error) {
  return {"", std::move(go_error)};
}

// The "value" member as Go's decoder fills a struct field: an exact name first, else one that
// differs in case only; absent or null leaves "". Like Go's json.Decoder, only the body's first
// JSON value is read.
decoded_body value_of_body(const std::string& body) {
  std::istringstream in(body);
  nlohmann::json document;
  try {
    in >> document;
  } catch (const nlohmann::json::parse_error& error) {
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) return failed("EOF");
    if (error.byte >= body.size()) return failed("unexpected EOF");
    const char bad = body[error.byte == 0 ? 0 : error.byte - 1];
    return failed("invalid character '" + std::string(1, bad) + "' looking for beginning of value");
  }
  if (document.is_null()) return {};
  if (!document.is_object()) {
    return failed("json: cannot unmarshal " + std::string(json_kind(document)) +
                  " into Go value of type struct { Value string }");
  }
  auto field = document.find("value");
  if (field == document.end()) {
    for (auto it = document.begin(); it != document.end(); ++it) {
      std::string name = it.key();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "value") field = it;
    }
  }
  if (field == document.end() || field->is_null()) return {};
  if (!field->is_string()) {
    return failed("json: cannot unmarshal " + std::string(json_kind(*field)) +
                  " into Go struct field .value of type string");
  }
  return {field->get<std::string>(), std::nullopt};
}

void write_key(const std::string& key, const std::string& body, const exchange_ptr& ex) {
  const auto [value, go_error] = value_of_body(body);
  if (go_error) return send_error(ex, 400, "error parsing request body: " + *go_error);
  const auto& options = ex->context().options;
  if (key.size() > options.max_key_bytes) {
    return ex->send(500, "max key size allowed is 255 bytes", go_text_type);
  }
  if (value.size() > options.max_value_bytes) {
    return ex->send(500, "max value size allowed is 1 MB", go_text_type);
  }
  if (auto problem = key_problem(key, options.max_key_bytes)) {
    return send_error(ex, 400, "key '" + key + "': " + *problem);
  }
  ex->context().store.put(key, shared_bytes::copy_of(value), value_type::bytes, std::nullopt,
                          [ex](std::optional<put_outcome> outcome) {
                            if (!outcome) {
                              return send_error(ex, 503, "the store did not answer in time");
                            }
                            ex->send(204, "", json_type);
                          });
}

void delete_key(const std::string& key, const exchange_ptr& ex) {
  // A key kvactor cannot store is not there to delete, which is no error.
  if (key_problem(key, ex->context().options.max_key_bytes)) return ex->send(204, "", json_type);
  ex->context().store.erase(key, std::nullopt, [ex](std::optional<delete_outcome> outcome) {
    if (!outcome) return send_error(ex, 503, "the store did not answer in time");
    ex->send(204, "", json_type);
  });
}

// Go parses the path (the first decoding) before routing, mux redirects an unclean path, and
// the handler decodes the key once more.
void serve_key(const request& req, const exchange_ptr& ex) {
  const auto path = percent_decode(req.path());
  if (!path) return ex->send(400, "400 Bad Request", go_text_type);
  if (redirected_unclean_path(*path, req, ex)) return;
  const method m = req.request_method();
  if (m != method::get && m != method::post && m != method::del) {
    return send_go_method_not_allowed(ex);
  }
  const std::string_view raw_key = std::string_view(*path).substr(keys_prefix.size());
  const auto key = percent_decode(raw_key);
  if (!key) return ex->send(500, go_escape_error(raw_key), go_text_type);
  if (m == method::get) return get_key(*key, ex);
  if (m == method::post) return write_key(*key, req.body(), ex);
  delete_key(*key, ex);
}

void serve_ok(const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::get) return send_go_method_not_allowed(ex);
  ex->send(200, "OK", go_text_type);
}

// Load balancers take a node out while it recovers or drains, so this is honest then.
void serve_readiness(const request& req, const exchange_ptr& ex) {
  if (req.request_method() != method::get) return send_go_method_not_allowed(ex);
  if (ex->context().phase.load(std::memory_order_relaxed) != node_phase::serving) {
    return ex->send(503, "not ready", go_text_type);
  }
  ex->send(200, "OK", go_text_type);
}

void serve_not_found(const request&, const exchange_ptr& ex) {
  send_go_not_found(ex);
}

}  // namespace

std::optional<dialect_route> bernata_route(std::string_view path) {
  if (path.starts_with(keys_prefix)) return dialect_route{route::key, true, serve_key};
  if (path == "/v1/ping") return dialect_route{route::ping, false, serve_ok};
  if (path == "/v1/readiness") return dialect_route{route::readiness, false, serve_readiness};
  if (path == "/") return dialect_route{route::compat_dump, false, serve_not_found};
  return std::nullopt;
}

}  // namespace kv::http::dialects
