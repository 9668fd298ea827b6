// The commands on strings and numbers, and on expiry: GET, SET, MGET, MSET, DEL, EXISTS,
// TYPE, INCR and its kin, EXPIRE, TTL, PTTL, PERSIST.
#include <limits>

#include "core/typed_operation.hpp"
#include "core/typed_text.hpp"
#include "transports/resp/command_handlers.hpp"
#include "transports/resp/command_support.hpp"

namespace kv::resp {
namespace {

// The contract's bound on a ttl, and what a Redis client may ask.
constexpr std::int64_t max_ttl_seconds = 1'000'000'000;
// SET ... XX retries its compare-and-swap this often before giving up on a busy key.
constexpr int max_cas_attempts = 100;

}  // namespace

// ---------------------------------------------------------------- strings

void cmd_get(command_call& call) {
  if (!check_key(call, call.args[1], false)) return;
  call.conn.batch().get(std::string(call.args[1]),
                        [r = call.conn.new_reply()](std::optional<read_value> found) {
                          if (!found) return r.send(unavailable_reply);
                          if (!found->value) return r.send(null_reply);
                          if (!is_string_type(found->type)) return r.send(wrong_type_reply);
                          std::string head;
                          append_bulk_header(head, found->value.size());
                          r.send_value(std::move(head), std::move(found->value));
                        });
}

// SET with XX: only over an existing key, as a compare-and-swap on the version it has.
static void set_existing(store_api store, std::string key, shared_bytes value, std::uint32_t ttl,
                         reply_ref r, std::uint64_t version, int attempt) {
  if (version == 0) return r.send(null_reply);
  if (attempt >= max_cas_attempts) {
    return r.send(error_reply("ERR the key changed under SET XX too often; try again"));
  }
  auto next = [store, key, value, ttl, r, attempt](std::optional<put_outcome> outcome) {
    if (!outcome) return r.send(unavailable_reply);
    if (outcome->status == write_status::ok) return r.send(ok_reply);
    set_existing(store, key, value, ttl, r, outcome->version, attempt + 1);
  };
  store.put(key, value, value_type::bytes, version, ttl, std::move(next));
}

void cmd_set(command_call& call) {
  bool nx = false;
  bool xx = false;
  std::optional<std::uint32_t> ttl;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    const std::string option = upper(call.args[i]);
    if (option == "NX" && !xx) {
      nx = true;
    } else if (option == "XX" && !nx) {
      xx = true;
    } else if ((option == "EX" || option == "PX") && !ttl && i + 1 < call.args.size()) {
      const auto amount = parse_integer(call.args[++i]);
      if (!amount) return call.conn.reply_now(not_integer_reply);
      const std::int64_t seconds = option == "EX" ? *amount : (*amount + 999) / 1000;
      if (*amount <= 0 || seconds > max_ttl_seconds) {
        return call.conn.reply_now(error_reply("ERR invalid expire time in 'set' command"));
      }
      ttl = static_cast<std::uint32_t>(seconds);
    } else if (option == "KEEPTTL" || option == "GET" || option == "EXAT" || option == "PXAT") {
      return call.conn.reply_now(error_reply("ERR SET " + option + " is not supported by kvactor"));
    } else {
      return call.conn.reply_now(syntax_reply);
    }
  }
  if (!check_key(call, call.args[1], true) || !check_value(call, call.args[2])) return;
  std::string key(call.args[1]);
  shared_bytes value = shared_bytes::copy_of(call.args[2]);
  if (xx) {
    call.conn.submit_batch();
    auto r = call.conn.new_reply(true);
    const store_api store = call.conn.state().store;
    const std::uint32_t seconds = ttl.value_or(0);
    store.get(key, [store, key, value, seconds, r](std::optional<read_value> found) {
      if (!found) return r.send(unavailable_reply);
      set_existing(store, key, value, seconds, r, found->value ? found->version : 0, 0);
    });
    return;
  }
  call.conn.batch().put(std::move(key), std::move(value), value_type::bytes,
                        nx ? std::optional<std::uint64_t>(0) : std::nullopt, ttl.value_or(0),
                        [r = call.conn.new_reply()](std::optional<put_outcome> outcome) {
                          if (!outcome) return r.send(unavailable_reply);
                          r.send(outcome->status == write_status::ok ? ok_reply : null_reply);
                        });
}

void cmd_mget(command_call& call) {
  if (!check_keys(call, 1, 1, false)) return;
  auto state = std::make_shared<gathered<read_value>>(call.conn.new_reply(), call.args.size() - 1);
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.conn.batch().get(std::string(call.args[i]), [state, i](std::optional<read_value> found) {
      state->arrive(i - 1, std::move(found), [](gathered<read_value>& all) {
        std::string out;
        append_array_header(out, all.results.size());
        for (const auto& one : all.results) {
          if (one->value && is_string_type(one->type)) {
            append_bulk(out, one->value.view());
          } else {
            append_null(out);
          }
        }
        all.reply.send(std::move(out));
      });
    });
  }
}

void cmd_mset(command_call& call) {
  if (call.args.size() % 2 == 0) {
    return call.conn.reply_now(error_reply("ERR wrong number of arguments for 'mset' command"));
  }
  // Every pair is checked before any is written.
  if (!check_keys(call, 1, 2, true)) return;
  for (std::size_t i = 2; i < call.args.size(); i += 2) {
    if (!check_value(call, call.args[i])) return;
  }
  const std::size_t pairs = call.args.size() / 2;
  auto state = std::make_shared<gathered<put_outcome>>(call.conn.new_reply(), pairs);
  for (std::size_t i = 0; i < pairs; ++i) {
    call.conn.batch().put(
        std::string(call.args[1 + 2 * i]), shared_bytes::copy_of(call.args[2 + 2 * i]),
        value_type::bytes, std::nullopt, 0, [state, i](std::optional<put_outcome> outcome) {
          state->arrive(i, std::move(outcome),
                        [](gathered<put_outcome>& all) { all.reply.send(ok_reply); });
        });
  }
}

void cmd_del(command_call& call) {
  if (!check_keys(call, 1, 1, true)) return;
  auto state =
      std::make_shared<gathered<delete_outcome>>(call.conn.new_reply(), call.args.size() - 1);
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.conn.batch().erase(
        std::string(call.args[i]), std::nullopt, [state, i](std::optional<delete_outcome> outcome) {
          state->arrive(i - 1, std::move(outcome), [](gathered<delete_outcome>& all) {
            std::int64_t deleted = 0;
            for (const auto& one : all.results) {
              deleted += one->deleted ? 1 : 0;
            }
            all.reply.send(integer_reply(deleted));
          });
        });
  }
}

void cmd_exists(command_call& call) {
  if (!check_keys(call, 1, 1, false)) return;
  auto state = std::make_shared<gathered<read_value>>(call.conn.new_reply(), call.args.size() - 1);
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.conn.batch().get(std::string(call.args[i]), [state, i](std::optional<read_value> found) {
      state->arrive(i - 1, std::move(found), [](gathered<read_value>& all) {
        std::int64_t present = 0;
        for (const auto& one : all.results) present += one->value ? 1 : 0;
        all.reply.send(integer_reply(present));
      });
    });
  }
}

void cmd_type(command_call& call) {
  if (!check_key(call, call.args[1], false)) return;
  call.conn.batch().get(std::string(call.args[1]),
                        [r = call.conn.new_reply()](std::optional<read_value> found) {
                          if (!found) return r.send(unavailable_reply);
                          std::string out;
                          append_simple(out, found->value ? redis_type(found->type) : "none");
                          r.send(std::move(out));
                        });
}

// ---------------------------------------------------------------- numbers

static void run_incr(command_call& call, std::string amount, bool as_float) {
  if (!check_key(call, call.args[1], true)) return;
  typed_operation op;
  op.kind = operation_kind::incr;
  op.type = as_float ? value_type::float64 : value_type::int64;
  op.amount = std::move(amount);
  op.redis_rules = true;
  call.conn.batch().operate(
      std::string(call.args[1]), std::move(op), std::nullopt,
      call.conn.state().options.max_value_bytes,
      [r = call.conn.new_reply(), as_float](std::optional<operation_outcome> outcome) {
        if (!outcome) return r.send(unavailable_reply);
        switch (outcome->result) {
          case operation_status::ok:
            break;
          case operation_status::wrong_type:
            return r.send(wrong_type_reply);
          case operation_status::bad_amount:
            return r.send(as_float ? not_float_reply : not_integer_reply);
          case operation_status::out_of_range:
            return r.send(error_reply(as_float ? "ERR increment would produce NaN or Infinity"
                                               : "ERR increment or decrement would overflow"));
          case operation_status::too_large:
            return r.send(error_reply("ERR " + outcome->message));
        }
        if (as_float) return r.send(bulk_reply(outcome->value.view()));
        std::string out = ":";
        out += outcome->value.view();
        out += "\r\n";
        r.send(std::move(out));
      });
}

void cmd_incr(command_call& call) {
  run_incr(call, "1", false);
}

void cmd_decr(command_call& call) {
  run_incr(call, "-1", false);
}

void cmd_incrby(command_call& call) {
  const auto amount = parse_integer(call.args[2]);
  if (!amount) return call.conn.reply_now(not_integer_reply);
  run_incr(call, std::to_string(*amount), false);
}

void cmd_decrby(command_call& call) {
  const auto amount = parse_integer(call.args[2]);
  if (!amount) return call.conn.reply_now(not_integer_reply);
  if (*amount == std::numeric_limits<std::int64_t>::min()) {
    return call.conn.reply_now(error_reply("ERR decrement would overflow"));
  }
  run_incr(call, std::to_string(-*amount), false);
}

void cmd_incrbyfloat(command_call& call) {
  const auto amount = parse_double(call.args[2]);
  if (!amount) return call.conn.reply_now(not_float_reply);
  run_incr(call, float_text(*amount), true);
}

// ---------------------------------------------------------------- expiry

void cmd_expire(command_call& call) {
  const auto seconds = parse_integer(call.args[2]);
  if (!seconds) return call.conn.reply_now(not_integer_reply);
  if (call.args.size() > 3) {
    return call.conn.reply_now(error_reply("ERR EXPIRE options are not supported by kvactor"));
  }
  if (!check_key(call, call.args[1], true)) return;
  if (*seconds > max_ttl_seconds) {
    return call.conn.reply_now(error_reply("ERR invalid expire time in 'expire' command"));
  }
  auto r = call.conn.new_reply();
  if (*seconds <= 0) {
    // As Redis: a deadline already past deletes the key.
    return call.conn.batch().erase(std::string(call.args[1]), std::nullopt,
                                   [r](std::optional<delete_outcome> outcome) {
                                     if (!outcome) return r.send(unavailable_reply);
                                     r.send(integer_reply(outcome->deleted ? 1 : 0));
                                   });
  }
  call.conn.batch().change_expiry(std::string(call.args[1]), static_cast<std::uint32_t>(*seconds),
                                  std::nullopt, [r](std::optional<expiry_outcome> outcome) {
                                    if (!outcome) return r.send(unavailable_reply);
                                    r.send(integer_reply(outcome->found ? 1 : 0));
                                  });
}

static void run_ttl(command_call& call, bool in_ms) {
  if (!check_key(call, call.args[1], false)) return;
  call.conn.batch().get(std::string(call.args[1]), [r = call.conn.new_reply(),
                                                    in_ms](std::optional<read_value> found) {
    if (!found) return r.send(unavailable_reply);
    if (!found->value) return r.send(integer_reply(-2));
    if (found->expires_at_ms == 0) return r.send(integer_reply(-1));
    const std::int64_t left = std::max<std::int64_t>(0, found->expires_at_ms - unix_ms_now());
    r.send(integer_reply(in_ms ? left : (left + 500) / 1000));
  });
}

void cmd_ttl(command_call& call) {
  run_ttl(call, false);
}

void cmd_pttl(command_call& call) {
  run_ttl(call, true);
}

void cmd_persist(command_call& call) {
  if (!check_key(call, call.args[1], true)) return;
  call.conn.batch().change_expiry(
      std::string(call.args[1]), std::nullopt, std::nullopt,
      [r = call.conn.new_reply()](std::optional<expiry_outcome> outcome) {
        if (!outcome) return r.send(unavailable_reply);
        r.send(integer_reply(outcome->changed ? 1 : 0));
      });
}

}  // namespace kv::resp
