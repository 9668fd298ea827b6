// Typed reads and atomic operations on one key. The partition applies an operation whole; this
// side only parses the request and formats the answer.
#include "transports/http/typed_key_routes.hpp"

#include <nlohmann/json.hpp>

#include "actors/store_api.hpp"
#include "core/typed_operation.hpp"
#include "transports/http/http_error.hpp"
#include "transports/http/key_errors.hpp"
#include "transports/http/request_params.hpp"
#include "transports/http/routes.hpp"
#include "transports/http/write_reply.hpp"

namespace kv::http {
namespace {

void reply_wrong_type(const exchange_ptr& ex, const std::string& key, value_type actual,
                      std::string_view wanted) {
  ex->send_error(409, "wrong_type",
                 "key " + quoted(key) + " holds a value of type " + std::string(type_name(actual)) +
                     ", not " + std::string(wanted));
}

// Reads the key and hands a found value to `answer`, after the answers every typed read
// shares: 503, 404 for a missing key, 409 for one of another type.
template <class Answer>
void read_typed(std::string key, value_type wanted, const exchange_ptr& ex, Answer answer) {
  completion<read_value> done = [ex, key, wanted, answer](std::optional<read_value> found) {
    if (!found) return reply_unavailable(ex);
    if (!found->value) return reply_not_found(ex, key);
    if (found->type != wanted) return reply_wrong_type(ex, key, found->type, type_name(wanted));
    ex->add_header("X-Kv-Version", std::to_string(found->version));
    ex->add_header("X-Kv-Type", type_name(found->type));
    answer(found->value.view());
  };
  ex->context().store.get(std::move(key), std::move(done));
}

}  // namespace

std::optional<value_type> query_type(const request& req) {
  const auto name = query_text(req, "type");
  if (!name) return std::nullopt;
  const auto type = type_from_name(*name);
  if (!type) {
    throw bad_request("type must be one of bytes, int, uint, float, set, hash, json, got \"" +
                      *name + "\"");
  }
  return type;
}

std::string_view media_type_of(value_type type) {
  switch (type) {
    case value_type::bytes:
      return content_type::octet_stream;
    case value_type::int64:
    case value_type::uint64:
    case value_type::float64:
      return content_type::text;
    case value_type::set:
    case value_type::hash:
    case value_type::json:
      return content_type::json;
  }
  return content_type::octet_stream;
}

shared_bytes stored_text(value_type type, const std::string& body, std::size_t max_value_bytes) {
  check_value_size(body.size(), max_value_bytes);
  if (type == value_type::bytes) return shared_bytes::copy_of(body);
  std::string text;
  try {
    text = canonical_text(type, body);
  } catch (const bad_typed_text& problem) {
    throw bad_request(std::string(problem.what()) + " (type " + std::string(type_name(type)) + ")");
  }
  check_value_size(text.size(), max_value_bytes);
  return shared_bytes::copy_of(text);
}

void get_field(std::string key, std::string field, const exchange_ptr& ex) {
  read_typed(key, value_type::hash, ex, [ex, key, field](std::string_view text) {
    const string_map fields = parse_string_object(text, "stored value");
    const auto found = fields.find(field);
    if (found == fields.end()) {
      return ex->send_error(404, "not_found",
                            "no field " + quoted(field) + " in key " + quoted(key));
    }
    ex->send(200, found->second, content_type::octet_stream);
  });
}

void get_member(std::string key, std::string member, const exchange_ptr& ex) {
  read_typed(std::move(key), value_type::set, ex, [ex, member](std::string_view text) {
    const bool found = parse_string_array(text, "stored value").contains(member);
    ex->send(200, found ? R"({"member":true})" : R"({"member":false})", content_type::json);
  });
}

void operate_on_key(std::string key, const std::string& op_name, const std::string& body,
                    std::optional<value_type> requested, std::optional<std::uint64_t> expected,
                    const exchange_ptr& ex) {
  const auto kind = operation_from_name(op_name);
  if (!kind) {
    throw bad_request("op must be one of incr, sadd, srem, hset, hdel, expire, persist, got \"" +
                      op_name + "\"");
  }
  check_value_size(body.size(), ex->context().options.max_value_bytes);
  typed_operation op;
  try {
    op = parse_operation(*kind, body, requested);
  } catch (const bad_typed_text& problem) {
    throw bad_request(std::string(problem.what()) + " (op " + op_name + ")");
  }
  completion<operation_outcome> done = [ex, key,
                                        expected](std::optional<operation_outcome> outcome) {
    if (!outcome) return reply_unavailable(ex);
    if (outcome->status == write_status::conflict) {
      return reply_conflict(ex, key, *expected, outcome->version);
    }
    switch (outcome->result) {
      case operation_status::ok:
        break;
      case operation_status::wrong_type:
        return ex->send_error(409, "wrong_type", "key " + quoted(key) + " " + outcome->message);
      case operation_status::out_of_range:
      case operation_status::bad_amount:
        return ex->send_error(400, "bad_request", "key " + quoted(key) + ": " + outcome->message);
      case operation_status::too_large:
        return ex->send_error(413, "payload_too_large",
                              "key " + quoted(key) + ": " + outcome->message);
    }
    ex->send(200, operation_reply_json(key, outcome->version, outcome->type, outcome->value.view()),
             content_type::json);
  };
  ex->context().store.operate(std::move(key), std::move(op), expected,
                              ex->context().options.max_value_bytes, std::move(done));
}

}  // namespace kv::http
