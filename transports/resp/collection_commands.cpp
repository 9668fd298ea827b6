// The commands on sets and hashes, applied by the owning partition as typed operations
// (SADD, SREM, HSET, HDEL) or answered from the value read (SMEMBERS, HGET, ...).
#include <type_traits>

#include "core/typed_operation.hpp"
#include "core/typed_text.hpp"
#include "transports/resp/command_handlers.hpp"
#include "transports/resp/command_support.hpp"

namespace kv::resp {

// ---------------------------------------------------------------- sets and hashes

static void run_collection_op(command_call& call, typed_operation op,
                              bool ok_reply_wanted = false) {
  call.conn.batch().operate(
      std::string(call.args[1]), std::move(op), std::nullopt,
      call.conn.state().options.max_value_bytes,
      [r = call.conn.new_reply(), ok_reply_wanted](std::optional<operation_outcome> outcome) {
        if (!outcome) return r.send(unavailable_reply);
        switch (outcome->result) {
          case operation_status::ok:
            return r.send(ok_reply_wanted
                              ? ok_reply
                              : integer_reply(static_cast<std::int64_t>(outcome->changed)));
          case operation_status::wrong_type:
            return r.send(wrong_type_reply);
          case operation_status::too_large:
            return r.send(
                error_reply("ERR the value would be larger than "
                            "limits.max_value_bytes: " +
                            outcome->message));
          default:
            return r.send(error_reply("ERR " + outcome->message));
        }
      });
}

static void set_member_op(command_call& call, operation_kind kind) {
  if (!check_key(call, call.args[1], true)) return;
  typed_operation op;
  op.kind = kind;
  op.type = value_type::set;
  op.redis_rules = true;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    if (!check_text(call, call.args[i], "set members")) return;
    op.names.emplace(call.args[i]);
  }
  run_collection_op(call, std::move(op));
}

void cmd_sadd(command_call& call) {
  set_member_op(call, operation_kind::sadd);
}

void cmd_srem(command_call& call) {
  set_member_op(call, operation_kind::srem);
}

// Reads a set or hash and answers from its parsed text; `answer` gets null for a missing key.
template <class Parsed, class Answer>
static void read_collection(command_call& call, value_type wanted, Answer answer) {
  if (!check_key(call, call.args[1], false)) return;
  call.conn.batch().get(std::string(call.args[1]), [r = call.conn.new_reply(), wanted,
                                                    answer](std::optional<read_value> found) {
    if (!found) return r.send(unavailable_reply);
    if (!found->value) return r.send(answer(nullptr));
    if (found->type != wanted) return r.send(wrong_type_reply);
    try {
      Parsed parsed;
      if constexpr (std::is_same_v<Parsed, string_set>) {
        parsed = parse_string_array(found->value.view(), "stored value");
      } else {
        parsed = parse_string_object(found->value.view(), "stored value");
      }
      r.send(answer(&parsed));
    } catch (const bad_typed_text& error) {
      r.send(error_reply(std::string("ERR ") + error.what()));
    }
  });
}

void cmd_smembers(command_call& call) {
  read_collection<string_set>(call, value_type::set, [](const string_set* members) {
    std::string out;
    append_array_header(out, members ? members->size() : 0);
    if (members) {
      for (const auto& member : *members) append_bulk(out, member);
    }
    return out;
  });
}

void cmd_sismember(command_call& call) {
  read_collection<string_set>(call, value_type::set,
                              [member = std::string(call.args[2])](const string_set* members) {
                                return integer_reply(members && members->count(member) ? 1 : 0);
                              });
}

void cmd_scard(command_call& call) {
  read_collection<string_set>(call, value_type::set, [](const string_set* members) {
    return integer_reply(members ? static_cast<std::int64_t>(members->size()) : 0);
  });
}

static void run_hset(command_call& call, bool ok_reply_wanted) {
  if (call.args.size() % 2 != 0) {
    return call.conn.reply_now(error_reply("ERR wrong number of arguments for '" +
                                           std::string(ok_reply_wanted ? "hmset" : "hset") +
                                           "' command"));
  }
  if (!check_key(call, call.args[1], true)) return;
  typed_operation op;
  op.kind = operation_kind::hset;
  op.type = value_type::hash;
  op.redis_rules = true;
  for (std::size_t i = 2; i + 1 < call.args.size(); i += 2) {
    if (!check_text(call, call.args[i], "hash fields") ||
        !check_text(call, call.args[i + 1], "hash values")) {
      return;
    }
    op.fields.insert_or_assign(std::string(call.args[i]), std::string(call.args[i + 1]));
  }
  run_collection_op(call, std::move(op), ok_reply_wanted);
}

void cmd_hset(command_call& call) {
  run_hset(call, false);
}

void cmd_hmset(command_call& call) {
  run_hset(call, true);
}

void cmd_hdel(command_call& call) {
  if (!check_key(call, call.args[1], true)) return;
  typed_operation op;
  op.kind = operation_kind::hdel;
  op.type = value_type::hash;
  op.redis_rules = true;
  for (std::size_t i = 2; i < call.args.size(); ++i) op.names.emplace(call.args[i]);
  run_collection_op(call, std::move(op));
}

void cmd_hget(command_call& call) {
  read_collection<string_map>(
      call, value_type::hash, [field = std::string(call.args[2])](const string_map* fields) {
        if (!fields) return null_reply;
        const auto found = fields->find(field);
        return found == fields->end() ? null_reply : bulk_reply(found->second);
      });
}

void cmd_hexists(command_call& call) {
  read_collection<string_map>(call, value_type::hash,
                              [field = std::string(call.args[2])](const string_map* fields) {
                                return integer_reply(fields && fields->count(field) ? 1 : 0);
                              });
}

void cmd_hgetall(command_call& call) {
  read_collection<string_map>(call, value_type::hash, [](const string_map* fields) {
    std::string out;
    append_array_header(out, fields ? fields->size() * 2 : 0);
    if (fields) {
      for (const auto& [field, value] : *fields) {
        append_bulk(out, field);
        append_bulk(out, value);
      }
    }
    return out;
  });
}

void cmd_hlen(command_call& call) {
  read_collection<string_map>(call, value_type::hash, [](const string_map* fields) {
    return integer_reply(fields ? static_cast<std::int64_t>(fields->size()) : 0);
  });
}

}  // namespace kv::resp
