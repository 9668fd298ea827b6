// GET, HEAD, PUT, POST and DELETE of one key (/v1/keys/{key}, and /get/{key} for old clients).
#include <memory>
#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "transports/http/expiry_routes.hpp"
#include "transports/http/http_error.hpp"
#include "transports/http/key_errors.hpp"
#include "transports/http/request_params.hpp"
#include "transports/http/routes.hpp"
#include "transports/http/typed_key_routes.hpp"
#include "transports/http/write_reply.hpp"

namespace kv::http {
namespace {

// The completion keeps a copy of the key for its messages and the request takes the original:
// built in one expression, the request could take the key before the lambda copied it.
void get_key(std::string key, const exchange_ptr& ex) {
  completion<read_value> done = [ex, key](std::optional<read_value> found) {
    if (!found) return reply_unavailable(ex);
    if (!found->value) return reply_not_found(ex, key);
    ex->add_header("X-Kv-Version", std::to_string(found->version));
    ex->add_header("X-Kv-Type", type_name(found->type));
    add_expiry_header(ex, *found);
    ex->send(200, found->value.view(), media_type_of(found->type));
  };
  ex->context().store.get(std::move(key), std::move(done));
}

void put_key(std::string key, shared_bytes value, value_type type,
             std::optional<std::uint64_t> expected, std::uint32_t ttl_seconds,
             const exchange_ptr& ex) {
  check_value_size(value.size(), ex->context().options.max_value_bytes);
  completion<put_outcome> done = [ex, key, expected](std::optional<put_outcome> outcome) {
    if (!outcome) return reply_unavailable(ex);
    if (outcome->status == write_status::conflict) {
      return reply_conflict(ex, key, *expected, outcome->version);
    }
    ex->send(200, write_reply_json(key, outcome->version, outcome->created), content_type::json);
  };
  ex->context().store.put(std::move(key), std::move(value), type, expected, ttl_seconds,
                          std::move(done));
}

void delete_key(std::string key, std::optional<std::uint64_t> expected, const exchange_ptr& ex) {
  completion<delete_outcome> done = [ex, key, expected](std::optional<delete_outcome> outcome) {
    if (!outcome) return reply_unavailable(ex);
    if (outcome->status == write_status::conflict) {
      return reply_conflict(ex, key, *expected, outcome->current_version);
    }
    ex->send_json(200, {{"key", key}, {"deleted", outcome->deleted}});
  };
  ex->context().store.erase(std::move(key), expected, std::move(done));
}

// POST /v1/keys/{key} carries {"value": BASE64}, for clients that cannot send raw bytes.
std::string value_from_json_body(const std::string& body) {
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_discarded()) throw bad_request("body is not valid JSON");
  if (!document.is_object()) throw bad_request("body must be a JSON object {\"value\": BASE64}");
  const auto field = document.find("value");
  if (field == document.end() || !field->is_string()) {
    throw bad_request("body must have a string field \"value\" holding base64");
  }
  auto decoded = base64_decode(field->get_ref<const std::string&>());
  if (!decoded) throw bad_request("\"value\" is not valid base64");
  return std::move(*decoded);
}

void read_key(std::string key, const Request& request, const exchange_ptr& ex) {
  if (auto field = query_text(request, "field")) return get_field(std::move(key), *field, ex);
  if (auto member = query_text(request, "member")) return get_member(std::move(key), *member, ex);
  get_key(std::move(key), ex);
}

// A typed write parses the value into its stored text here, so a bad one writes nothing.
void write_key(std::string key, const std::string& body, const Request& request,
               const exchange_ptr& ex) {
  const value_type type = query_type(request).value_or(value_type::bytes);
  put_key(std::move(key), stored_text(type, body, ex->context().options.max_value_bytes), type,
          query_unsigned(request, "if_version"), query_ttl(request), ex);
}

// POST ?op=OP: expire and persist change the key's deadline, the others its typed value.
void operate(std::string key, const std::string& op, const Request& request,
             const exchange_ptr& ex) {
  const auto expected = query_unsigned(request, "if_version");
  if (op == "expire") {
    return change_key_expiry(std::move(key), parse_ttl(request.body(), "the body of op=expire"),
                             expected, ex);
  }
  if (op == "persist") return change_key_expiry(std::move(key), std::nullopt, expected, ex);
  operate_on_key(std::move(key), op, request.body(), query_type(request), expected, ex);
}

}  // namespace

void serve_key(const route_match& match, method m, const Request& request, const exchange_ptr& ex) {
  std::string key = key_from_path(match.key, ex->context().options.max_key_bytes);
  switch (m) {
    case method::get:
    case method::head:
      return read_key(std::move(key), request, ex);
    case method::put:
      return write_key(std::move(key), request.body(), request, ex);
    case method::post:
      if (auto op = query_text(request, "op")) return operate(std::move(key), *op, request, ex);
      return write_key(std::move(key), value_from_json_body(request.body()), request, ex);
    case method::del:
      return delete_key(std::move(key), query_unsigned(request, "if_version"), ex);
    case method::options:
    case method::other:
      break;  // the dispatcher answers 405 before it gets here
  }
}

}  // namespace kv::http
