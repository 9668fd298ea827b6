// isnastish's kvs service under /kvs/v1-0-0/ (dialects.md section 5): five typed key spaces
// (int32, uint32, float32, string, string map), its three remote procedures, Go's error texts
// and gorilla/mux's 404 and 405. Each key space is a key prefix of the one store (kvs/int/,
// kvs/uint/, kvs/float/, kvs/str/, kvs/map/), holding kvactor's typed values, so the native
// API lists and reads them too.
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>

#include "core/go_format.hpp"
#include "core/json_styles.hpp"
#include "core/percent_decode.hpp"
#include "core/typed_text.hpp"
#include "transports/http/access_gate.hpp"
#include "transports/http/routes.hpp"

namespace kv::http {
namespace {

constexpr std::string_view base_path = "/kvs/v1-0-0/";
constexpr std::string_view go_text = "text/plain; charset=utf-8";
// Optimistic increments retry on a concurrent write; this many in a row means the key is
// being hammered, and the client (whose Go version retries 503) may try again.
constexpr int max_increment_attempts = 100;

enum class space { int32, uint32, float32, str, map };

struct space_spec {
  std::string_view prefix;
  value_type type;
  std::string_view error_prefix;  // what the original's messages of this space start with
};

const space_spec& spec_of(space s) {
  static constexpr space_spec specs[] = {
      {"kvs/int/", value_type::int64, "int storage: "},
      {"kvs/uint/", value_type::uint64, "uint storage: "},
      {"kvs/float/", value_type::float64, "float storage: "},
      {"kvs/str/", value_type::bytes, "str storage: "},
      {"kvs/map/", value_type::hash, "map storage: "},
  };
  return specs[static_cast<int>(s)];
}

enum class action { echo, hello, fibo, put, get, del, incr, incrby, del_any };

struct kvs_route {
  std::string_view name;  // after /kvs/v1-0-0/; with a trailing '/' it takes a key
  action act;
  space where;
  method m;
};

constexpr kvs_route kvs_routes[] = {
    {"echo", action::echo, space::str, method::post},
    {"hello", action::hello, space::str, method::post},
    {"fibo", action::fibo, space::str, method::post},
    {"int-put/", action::put, space::int32, method::put},
    {"int-get/", action::get, space::int32, method::get},
    {"int-del/", action::del, space::int32, method::del},
    {"int-incr/", action::incr, space::int32, method::put},
    {"int-incrby/", action::incrby, space::int32, method::put},
    {"float-put/", action::put, space::float32, method::put},
    {"float-get/", action::get, space::float32, method::get},
    {"float-del/", action::del, space::float32, method::del},
    {"str-put/", action::put, space::str, method::put},
    {"str-get/", action::get, space::str, method::get},
    {"str-del/", action::del, space::str, method::del},
    {"map-put/", action::put, space::map, method::put},
    {"map-get/", action::get, space::map, method::get},
    {"map-del/", action::del, space::map, method::del},
    {"uint/put/", action::put, space::uint32, method::put},
    {"uint/get/", action::get, space::uint32, method::get},
    {"uint/del/", action::del, space::uint32, method::del},
    {"del/", action::del_any, space::int32, method::del},
};

bool is_kvs_key(std::string_view key) {
  if (key.empty()) return false;
  for (const char c : key) {
    const bool word =
        (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!word) return false;
  }
  return true;
}

struct kvs_match {
  const kvs_route* route;
  std::string key;
};

// gorilla/mux matches the decoded path against {key:[0-9A-Za-z_]+}.
std::optional<kvs_match> match_kvs(std::string_view rest) {
  for (const auto& route : kvs_routes) {
    if (!route.name.ends_with('/')) {
      if (rest == route.name) return kvs_match{&route, {}};
      continue;
    }
    if (rest.starts_with(route.name) && is_kvs_key(rest.substr(route.name.size()))) {
      return kvs_match{&route, std::string(rest.substr(route.name.size()))};
    }
  }
  return std::nullopt;
}

// http.Error: the message and a newline, as text that browsers must not sniff.
void go_error(const exchange_ptr& ex, int status, std::string_view message) {
  ex->add_header("X-Content-Type-Options", "nosniff");
  ex->send(status, std::string(message) + "\n", go_text);
}

void reply_unavailable_text(const exchange_ptr& ex) {
  go_error(ex, 503, "the store did not answer in time");
}

std::string stored_key(space s, std::string_view key) {
  return std::string(spec_of(s).prefix) + std::string(key);
}

// ------------------------------------------------------------------ remote procedures

void serve_fibo(const Request& request, const exchange_ptr& ex) {
  const auto raw = request.query("n");
  if (!raw) return go_error(ex, 400, "Invalid request syntax, {n} query parameter is not found");
  // strconv.Atoi, whose error the original ignores: anything but an integer counts as 0.
  std::string text = percent_decode(*raw, plus_means::space).value_or("");
  if (text.starts_with('+')) text.erase(0, 1);
  std::int64_t n = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc{} || end != text.data() + text.size()) n = 0;
  if (n < 0) return go_error(ex, 400, "Invalid request syntax, {n} must not be negative");
  ex->send(200, std::to_string(go_fibonacci(static_cast<std::uint64_t>(n))), go_text);
}

// ------------------------------------------------------------------ typed puts

// The stored text of a put's body in its space, or the original's 500 message.
std::variant<std::string, std::string> put_text(space s, const std::string& body) {
  using result = std::variant<std::string, std::string>;
  switch (s) {
    case space::int32: {
      const auto parsed = parse_go_int32(body);
      if (const auto* message = std::get_if<std::string>(&parsed))
        return result(std::in_place_index<1>, *message);
      return result(std::in_place_index<0>, std::to_string(std::get<std::int32_t>(parsed)));
    }
    case space::uint32: {
      const auto parsed = parse_go_uint32(body);
      if (const auto* message = std::get_if<std::string>(&parsed)) {
        return result(std::in_place_index<1>,
                      "uint storage: Failed to parse the value " + *message);
      }
      return result(std::in_place_index<0>, std::to_string(std::get<std::uint32_t>(parsed)));
    }
    case space::float32: {
      const auto parsed = parse_go_float32(body);
      if (const auto* message = std::get_if<std::string>(&parsed)) {
        return result(std::in_place_index<1>, "float storage: failed to parse float " + *message);
      }
      const float value = std::get<float>(parsed);
      // kvactor's float type holds finite numbers only (contract section 7).
      if (!std::isfinite(value)) {
        return result(std::in_place_index<1>,
                      "float storage: failed to parse float strconv.ParseFloat: parsing " +
                          go_quote(body) + ": kvactor stores finite floats only");
      }
      return result(std::in_place_index<0>, float_text(static_cast<double>(value)));
    }
    case space::str:
      return result(std::in_place_index<0>, body);
    case space::map: {
      // json.Unmarshal into a map[string]string that starts empty: null leaves it so.
      if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return result(std::in_place_index<1>, "unexpected end of JSON input");
      }
      const auto document = nlohmann::json::parse(body, nullptr, false);
      if (document.is_discarded()) {
        const char first = body[body.find_first_not_of(" \t\r\n")];
        return result(std::in_place_index<1>, "invalid character '" + std::string(1, first) +
                                                  "' looking for beginning of value");
      }
      const auto kind = [](const nlohmann::json& value) -> std::string {
        if (value.is_string()) return "string";
        if (value.is_number()) return "number";
        if (value.is_boolean()) return "bool";
        if (value.is_array()) return "array";
        return "object";
      };
      if (document.is_null()) return result(std::in_place_index<0>, hash_text({}));
      if (!document.is_object()) {
        return result(std::in_place_index<1>, "json: cannot unmarshal " + kind(document) +
                                                  " into Go value of type map[string]string");
      }
      string_map fields;
      for (const auto& [name, value] : document.items()) {
        if (value.is_null()) {
          fields[name];
          continue;
        }
        if (!value.is_string()) {
          return result(std::in_place_index<1>,
                        "json: cannot unmarshal " + kind(value) + " into Go value of type string");
        }
        fields[name] = value.get<std::string>();
      }
      return result(std::in_place_index<0>, hash_text(fields));
    }
  }
  return result(std::in_place_index<1>, "unknown key space");
}

void serve_put(space s, std::string key, const std::string& body, const exchange_ptr& ex) {
  auto text = put_text(s, body);
  if (text.index() == 1) return go_error(ex, 500, std::get<1>(text));
  const auto& stored = std::get<0>(text);
  if (stored.size() > ex->context().options.max_value_bytes) {
    return go_error(ex, 413,
                    "value is " + std::to_string(stored.size()) + " bytes, the limit is " +
                        std::to_string(ex->context().options.max_value_bytes));
  }
  completion<put_outcome> done = [ex](std::optional<put_outcome> outcome) {
    if (!outcome) return reply_unavailable_text(ex);
    ex->send_empty(200);
  };
  ex->context().store.put(stored_key(s, key), shared_bytes::copy_of(stored), spec_of(s).type,
                          std::nullopt, std::move(done));
}

// ------------------------------------------------------------------ typed gets

// A value of the space's type as the original prints it, or why it cannot be (a value that a
// native write left under the space's prefix with another type, or out of the space's range).
std::optional<std::string> printed(space s, const stored_value& found) {
  const std::string_view text = found.value.view();
  if (s == space::str) return std::string(text);
  if (found.type != spec_of(s).type) return std::nullopt;
  try {
    switch (s) {
      case space::int32: {
        const auto value = parse_int64(text, "stored value");
        if (value < std::numeric_limits<std::int32_t>::min() ||
            value > std::numeric_limits<std::int32_t>::max()) {
          return std::nullopt;
        }
        return std::string(text);
      }
      case space::uint32:
        if (parse_uint64(text, "stored value") > std::numeric_limits<std::uint32_t>::max()) {
          return std::nullopt;
        }
        return std::string(text);
      case space::float32:
        return go_float_e(static_cast<float>(parse_float64(text, "stored value")));
      case space::map: {
        std::string json = "{";
        for (const auto& [name, value] : parse_string_object(text, "stored value")) {
          if (json.size() > 1) json += ',';
          append_go_json_string(json, name);
          json += ':';
          append_go_json_string(json, value);
        }
        return json + "}";
      }
      case space::str:
        break;
    }
  } catch (const bad_typed_text&) {
  }
  return std::nullopt;
}

void serve_get(space s, std::string key, const exchange_ptr& ex) {
  completion<stored_value> done = [ex, s, key](std::optional<stored_value> found) {
    if (!found) return reply_unavailable_text(ex);
    if (!found->value) {
      const std::string message = "Key " + key + " not found";
      return go_error(ex, 404, s == space::uint32 ? "uint storage: " + message : message);
    }
    const auto body = printed(s, *found);
    if (!body) {
      return go_error(ex, 500,
                      std::string(spec_of(s).error_prefix) + "key " + stored_key(s, key) +
                          " holds a " + std::string(type_name(found->type)) +
                          " value that this key space cannot read");
    }
    switch (s) {
      case space::int32:
        ex->add_header("Conent-Type", "text/plain");  // sic: the original's misspelt header
        return ex->send(200, *body, go_text);
      case space::uint32:
      case space::float32:
        return ex->send(200, *body, go_text);
      case space::str:
        return ex->send(200, *body, content_type::text);
      case space::map:
        return ex->send(200, *body, content_type::octet_stream);
    }
  };
  ex->context().store.get(stored_key(s, key), std::move(done));
}

// ------------------------------------------------------------------ deletes

// The original marks a uint delete with "Deleter" (sic), which its Python client does not
// read; "Deleted" is sent too, so that client reports the delete.
void serve_del(space s, std::string key, const exchange_ptr& ex) {
  completion<delete_outcome> done = [ex, s](std::optional<delete_outcome> outcome) {
    if (!outcome) return reply_unavailable_text(ex);
    if (outcome->deleted) {
      ex->add_header("Deleted", "true");
      if (s == space::uint32) ex->add_header("Deleter", "true");
    }
    ex->send_empty(200);
  };
  ex->context().store.erase(stored_key(s, key), std::nullopt, std::move(done));
}

// DELETE /del/{key}: the first key space, in a fixed order, that holds the key loses it.
void delete_from_first(std::size_t index, std::string key, const exchange_ptr& ex) {
  constexpr space order[] = {space::int32, space::uint32, space::float32, space::str, space::map};
  if (index == std::size(order)) return ex->send_empty(200);
  const space s = order[index];
  completion<delete_outcome> done = [ex, index, key](std::optional<delete_outcome> outcome) {
    if (!outcome) return reply_unavailable_text(ex);
    if (!outcome->deleted) return delete_from_first(index + 1, key, ex);
    ex->add_header("Deleted", "true");
    ex->send_empty(200);
  };
  ex->context().store.erase(stored_key(s, key), std::nullopt, std::move(done));
}

// ------------------------------------------------------------------ increments

// int-incr and int-incrby answer the value before the increment and wrap around int32 as the
// original's int32 does. The store's own incr works on int64, so this reads the value and
// writes the sum only if the key's version is still the one read (compare-and-swap), retrying
// after a concurrent write: each increment applies exactly once, on the value it answers.
struct increment {
  std::string key;
  std::int32_t amount;
  int attempts = 0;
};

void try_increment(std::shared_ptr<increment> state, const exchange_ptr& ex) {
  completion<stored_value> read = [state, ex](std::optional<stored_value> found) {
    if (!found) return reply_unavailable_text(ex);
    std::int32_t previous = 0;
    std::uint64_t expected = 0;  // 0: only if still absent
    if (found->value) {
      const auto text = printed(space::int32, *found);
      if (!text) {
        return go_error(ex, 500,
                        "int storage: key " + state->key + " holds a " +
                            std::string(type_name(found->type)) +
                            " value that this key space cannot read");
      }
      previous = static_cast<std::int32_t>(parse_int64(*text, "stored value"));
      expected = found->version;
    }
    const auto next = static_cast<std::int32_t>(static_cast<std::uint32_t>(previous) +
                                                static_cast<std::uint32_t>(state->amount));
    completion<put_outcome> written = [state, ex, previous](std::optional<put_outcome> outcome) {
      if (!outcome) return reply_unavailable_text(ex);
      if (outcome->status == write_status::conflict) {
        if (++state->attempts < max_increment_attempts) return try_increment(state, ex);
        return go_error(ex, 503, "int storage: too many concurrent writes to the key, try again");
      }
      ex->send(200, std::to_string(previous), content_type::octet_stream);
    };
    ex->context().store.put(state->key, shared_bytes::copy_of(std::to_string(next)),
                            value_type::int64, expected, std::move(written));
  };
  ex->context().store.get(state->key, std::move(read));
}

void serve_increment(std::string key, std::int32_t amount, const exchange_ptr& ex) {
  try_increment(std::make_shared<increment>(increment{stored_key(space::int32, key), amount}), ex);
}

// The store keys a route reads or writes are checked against the caller's token; echo, hello
// and fibo touch no key and need only a valid one.
void check_access(const kvs_route& route, const std::string& key, const exchange& ex) {
  switch (route.act) {
    case action::echo:
    case action::hello:
    case action::fibo:
      return;
    case action::get:
      return require_read(ex, stored_key(route.where, key));
    case action::put:
    case action::del:
      return require_write(ex, stored_key(route.where, key));
    case action::incr:
    case action::incrby:
      return require_write(ex, stored_key(space::int32, key));
    case action::del_any:
      for (const space s : {space::int32, space::uint32, space::float32, space::str, space::map}) {
        require_write(ex, stored_key(s, key));
      }
      return;
  }
}

void serve_match(const kvs_match& match, const Request& request, const exchange_ptr& ex) {
  const auto& route = *match.route;
  check_access(route, match.key, *ex);
  switch (route.act) {
    case action::echo:
      return ex->send(200, go_swap_case(request.body()), content_type::text);
    case action::hello:
      return ex->send(200, "Hello from kvs:v1-0-0 service!", content_type::octet_stream);
    case action::fibo:
      return serve_fibo(request, ex);
    case action::put:
      return serve_put(route.where, match.key, request.body(), ex);
    case action::get:
      return serve_get(route.where, match.key, ex);
    case action::del:
      return serve_del(route.where, match.key, ex);
    case action::del_any:
      return delete_from_first(0, match.key, ex);
    case action::incr:
      return serve_increment(match.key, 1, ex);
    case action::incrby: {
      const auto amount = parse_go_int32(request.body());
      if (const auto* message = std::get_if<std::string>(&amount))
        return go_error(ex, 500, *message);
      return serve_increment(match.key, std::get<std::int32_t>(amount), ex);
    }
  }
}

}  // namespace

void serve_isnastish(method m, const Request& request, const exchange_ptr& ex) {
  const auto decoded = percent_decode(request.path());
  const std::string path = decoded.value_or(std::string(request.path()));
  const std::string_view rest = std::string_view(path).substr(base_path.size());
  if (const auto match = match_kvs(rest)) {
    if (m != match->route->m) return ex->send_empty(405);
    return serve_match(*match, request, ex);
  }
  // StrictSlash: a known path with a trailing slash is redirected to the path without it.
  if (rest.ends_with('/') && match_kvs(rest.substr(0, rest.size() - 1))) {
    std::string location(request.path());
    location.pop_back();
    ex->add_header("Location", location);
    return ex->send_empty(301);
  }
  go_error(ex, 404, "404 page not found");
}

}  // namespace kv::http
