// GET and PUT /kv as yuvraj9's Flask service answers them (dialects.md section 4): the key and
// value come from a JSON body (also on GET) or the query string and form, every answer is
// Py-JSON with a final newline, and a null or empty value reads as absent. The Socket.IO watch
// that announces its writes is transports/socketio/.
#include <nlohmann/json.hpp>

#include "core/json_styles.hpp"
#include "core/key.hpp"
#include "core/percent_decode.hpp"
#include "core/python_format.hpp"
#include "transports/http/access_gate.hpp"
#include "transports/http/routes.hpp"

namespace kv::http {
namespace {

constexpr std::string_view allowed = "PUT, OPTIONS, GET, HEAD";
constexpr std::string_view missing_key_body =
    "{\"message\": {\"key\": \"Missing required parameter in the JSON body or the post body or "
    "the query string\"}}\n";
constexpr std::string_view bad_json_body =
    "{\"message\": \"The browser (or proxy) sent a request that this server could not "
    "understand.\"}\n";
// Flask-RESTful's answer to a failed storage call, as the service's handlers return it.
constexpr std::string_view store_failure_body =
    "{\"message\": \"the store did not answer in time\", \"status_code\": 500}\n";
constexpr std::string_view not_found_body =
    "{\"status_code\": 404, \"error\": \"Key Doesn't exist\"}\n";

// An answer that ends the request: Flask-RESTful's status and Py-JSON body.
struct flask_answer {
  int status;
  std::string body;
};

// The value yuvraj9 stores for a PUT without a value (Python's None): JSON null, which reads
// back as absent on /kv and as `null` of type json everywhere else.
constexpr std::string_view none_text = "null";

struct kv_arguments {
  std::string key;
  bool has_value = false;  // a value that is neither absent nor null
  std::string value;       // Python's str() of it
};

bool is_json_media_type(std::string_view content_type) {
  const auto media = content_type.substr(0, content_type.find(';'));
  auto trimmed = media;
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  return trimmed == "application/json" ||
         (trimmed.starts_with("application/") && trimmed.ends_with("+json"));
}

// The first `name` of an application/x-www-form-urlencoded text (a query string or a form).
std::optional<std::string> form_field(std::string_view form, std::string_view name) {
  while (!form.empty()) {
    const auto end = form.find('&');
    const auto pair = form.substr(0, end);
    const auto equals = pair.find('=');
    if (percent_decode(pair.substr(0, equals), plus_means::space) == std::string(name)) {
      const auto raw =
          equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
      if (auto decoded = percent_decode(raw, plus_means::space)) return decoded;
      throw flask_answer{400, std::string(bad_json_body)};
    }
    if (end == std::string_view::npos) break;
    form.remove_prefix(end + 1);
  }
  return std::nullopt;
}

// Flask-RESTful's reqparse with locations ('json', 'values'): the JSON body's fields first,
// then the query string's and the form's, each converted with str().
kv_arguments parse_arguments(const Request& request) {
  std::optional<nlohmann::ordered_json> key;
  std::optional<nlohmann::ordered_json> value;
  if (is_json_media_type(request.header("Content-Type").value_or(""))) {
    auto body = nlohmann::ordered_json::parse(request.body(), nullptr, false);
    if (body.is_discarded()) throw flask_answer{400, std::string(bad_json_body)};
    if (body.is_object()) {
      if (const auto found = body.find("key"); found != body.end()) key = *found;
      if (const auto found = body.find("value"); found != body.end()) value = *found;
    }
  }
  const bool form =
      request.header("Content-Type").value_or("").starts_with("application/x-www-form-urlencoded");
  for (const auto* name : {"key", "value"}) {
    auto& slot = std::string_view(name) == "key" ? key : value;
    if (slot) continue;
    std::optional<std::string> text;
    if (const auto raw = request.query(name)) {
      text = percent_decode(*raw, plus_means::space);
      if (!text) throw flask_answer{400, std::string(bad_json_body)};
    } else if (form) {
      text = form_field(request.body(), name);
    }
    if (text) slot = *text;
  }
  if (!key || key->is_null()) throw flask_answer{400, std::string(missing_key_body)};
  kv_arguments arguments;
  arguments.key = python_str(*key);
  if (value && !value->is_null()) {
    arguments.has_value = true;
    arguments.value = python_str(*value);
  }
  return arguments;
}

void send_flask(const exchange_ptr& ex, int status, std::string_view body) {
  ex->send(status, body, content_type::json);
}

// What the Flask service's `if not value` sees of a stored value: nothing for a missing key,
// JSON null or an empty value; a JSON string as its text; anything else as GET prints it.
std::optional<std::string> python_view(const stored_value& found) {
  if (!found.value || found.value.size() == 0) return std::nullopt;
  if (found.type != value_type::json) return std::string(found.value.view());
  const auto document = nlohmann::json::parse(found.value.view(), nullptr, false);
  if (document.is_null()) return std::nullopt;
  if (document.is_string()) {
    auto text = document.get<std::string>();
    if (text.empty()) return std::nullopt;
    return text;
  }
  return std::string(found.value.view());
}

void get_kv(const kv_arguments& arguments, const exchange_ptr& ex) {
  // A key this store cannot hold (empty, too long, control characters) is never there.
  if (key_problem(arguments.key, ex->context().options.max_key_bytes)) {
    return send_flask(ex, 404, not_found_body);
  }
  require_read(*ex, arguments.key);
  completion<stored_value> done = [ex](std::optional<stored_value> found) {
    if (!found) return send_flask(ex, 500, store_failure_body);
    const auto text = python_view(*found);
    if (!text) return send_flask(ex, 404, not_found_body);
    std::string body = "{\"value\": ";
    append_py_json_string(body, *text);
    body += "}\n";
    send_flask(ex, 200, body);
  };
  ex->context().store.get(arguments.key, std::move(done));
}

void put_kv(kv_arguments arguments, const exchange_ptr& ex) {
  if (auto problem = key_problem(arguments.key, ex->context().options.max_key_bytes)) {
    std::string body = "{\"message\": {\"key\": ";
    append_py_json_string(body, *problem);
    return send_flask(ex, 400, body + "}}\n");
  }
  if (arguments.value.size() > ex->context().options.max_value_bytes) {
    std::string body = "{\"message\": ";
    append_py_json_string(body, "value is " + std::to_string(arguments.value.size()) +
                                    " bytes, the limit is " +
                                    std::to_string(ex->context().options.max_value_bytes));
    return send_flask(ex, 413, body + ", \"status_code\": 413}\n");
  }
  require_write(*ex, arguments.key);
  std::string reply = "{";
  append_py_json_string(reply, arguments.key);
  reply += ": ";
  if (arguments.has_value) {
    append_py_json_string(reply, arguments.value);
  } else {
    reply += "null";
  }
  reply += "}\n";
  const value_type type = arguments.has_value ? value_type::bytes : value_type::json;
  auto value =
      shared_bytes::copy_of(arguments.has_value ? std::string_view(arguments.value) : none_text);
  completion<put_outcome> done = [ex,
                                  reply = std::move(reply)](std::optional<put_outcome> outcome) {
    send_flask(ex, outcome ? 200 : 500, outcome ? std::string_view(reply) : store_failure_body);
  };
  ex->context().store.put(std::move(arguments.key), std::move(value), type, std::nullopt,
                          std::move(done));
}

}  // namespace

void serve_yuvraj9_kv(method m, const Request& request, const exchange_ptr& ex) {
  if (m == method::options) {
    ex->add_header("Allow", allowed);
    return ex->send(200, "", "text/html; charset=utf-8");
  }
  if (m != method::get && m != method::head && m != method::put) {
    ex->add_header("Allow", allowed);
    return send_flask(ex, 405,
                      "{\"message\": \"The method is not allowed for the requested URL.\"}\n");
  }
  kv_arguments arguments;
  try {
    arguments = parse_arguments(request);
  } catch (const flask_answer& answer) {
    return send_flask(ex, answer.status, answer.body);
  }
  if (m == method::put) return put_kv(std::move(arguments), ex);
  get_kv(arguments, ex);
}

}  // namespace kv::http
