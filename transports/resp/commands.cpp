// The commands of contract section 12 on the store, with Redis's replies and error wording.
//
// How kvactor's typed values look from Redis: bytes, int, uint, float and json values are
// strings (GET returns their text, TYPE says "string"), set is a set and hash a hash. SET
// always writes bytes; INCR and INCRBYFLOAT follow Redis's rules (typed_operation::redis_rules).
// Calls on one key go through the connection's batch, one message per partition for what a
// read of the socket brought; a command that needs more than one round trip, or goes through
// a router (SCAN, KEYS, DBSIZE, INFO), is a barrier: the connection's later commands wait for
// its reply, so that every command sees the writes of those before it, and none after it.
#include "transports/resp/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "auth/access_rules.hpp"
#include "core/key.hpp"
#include "core/typed_operation.hpp"
#include "core/typed_text.hpp"
#include "transports/resp/connection.hpp"
#include "transports/resp/glob.hpp"
#include "transports/resp/protocol.hpp"

namespace kv::resp {
namespace {

// The contract's bound on a ttl, and what a Redis client may ask.
constexpr std::int64_t max_ttl_seconds = 1'000'000'000;
// SET ... XX retries its compare-and-swap this often before giving up on a busy key.
constexpr int max_cas_attempts = 100;
// Keys KEYS and SCAN ask the store for at a time.
constexpr std::size_t keys_page = 1000;
constexpr std::size_t max_scan_count = 10000;

const std::string ok_reply = "+OK\r\n";
const std::string null_reply = "$-1\r\n";
const std::string wrong_type_reply =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string unavailable_reply =
    "-ERR unavailable: the store did not answer in time (a partition is down or overloaded)\r\n";
const std::string not_integer_reply = "-ERR value is not an integer or out of range\r\n";
const std::string not_float_reply = "-ERR value is not a valid float\r\n";
const std::string syntax_reply = "-ERR syntax error\r\n";

std::string error_reply(std::string_view message) {
  std::string out;
  append_error(out, message);
  return out;
}

std::string integer_reply(std::int64_t value) {
  std::string out;
  append_integer(out, value);
  return out;
}

std::string bulk_reply(std::string_view bytes) {
  std::string out;
  append_bulk(out, bytes);
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_string_type(value_type type) {
  return type != value_type::set && type != value_type::hash;
}

std::string_view redis_type(value_type type) {
  switch (type) {
    case value_type::set:
      return "set";
    case value_type::hash:
      return "hash";
    default:
      return "string";
  }
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A key argument the store can take and the connection's token may use; otherwise the error
// is the command's reply and the result false.
bool check_key(command_call& call, std::string_view key, bool for_write) {
  const auto& options = call.conn.state().options;
  if (const auto problem = key_problem(key, options.max_key_bytes)) {
    call.conn.reply_now(error_reply("ERR invalid key: " + *problem));
    return false;
  }
  if (const auth::token_grant* grant = call.conn.grant()) {
    if (for_write ? !grant->may_write(key) : !grant->may_read(key)) {
      call.conn.reply_now(error_reply("NOPERM token '" + grant->name + "' may not " +
                                      (for_write ? "write" : "read") + " key '" + std::string(key) +
                                      "'"));
      return false;
    }
  }
  return true;
}

bool check_keys(command_call& call, std::size_t first, std::size_t step, bool for_write) {
  for (std::size_t i = first; i < call.args.size(); i += step) {
    if (!check_key(call, call.args[i], for_write)) return false;
  }
  return true;
}

bool check_value(command_call& call, std::string_view value) {
  const std::size_t limit = call.conn.state().options.max_value_bytes;
  if (value.size() <= limit) return true;
  call.conn.reply_now(error_reply("ERR value is larger than limits.max_value_bytes (" +
                                  std::to_string(limit) + " bytes)"));
  return false;
}

// Set members, hash fields and hash values are UTF-8 strings in kvactor (contract section 7).
bool check_text(command_call& call, std::string_view text, std::string_view what) {
  if (is_valid_utf8(text)) return true;
  call.conn.reply_now(
      error_reply("ERR " + std::string(what) + " must be UTF-8 text in kvactor's typed values"));
  return false;
}

// The whole key space: for commands that count or list keys without naming them.
bool check_everything(command_call& call, std::string_view what) {
  const auth::token_grant* grant = call.conn.grant();
  if (grant == nullptr || grant->may_read_everything()) return true;
  call.conn.reply_now(error_reply("NOPERM token '" + grant->name + "' may not " +
                                  std::string(what) + ": that needs read access to every key"));
  return false;
}

// Counts the answers of several store calls made for one reply; the last builds it.
template <class Result>
struct gathered {
  explicit gathered(reply_ref r, std::size_t count) : reply(std::move(r)), results(count) {
    pending.store(count, std::memory_order_relaxed);
  }
  reply_ref reply;
  std::vector<std::optional<Result>> results;
  std::atomic<std::size_t> pending;

  // On the thread of the last answer, with every result in place.
  template <class Finish>
  void arrive(std::size_t index, std::optional<Result> result, Finish finish) {
    results[index] = std::move(result);
    if (pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    for (const auto& one : results) {
      if (!one) return reply.send(unavailable_reply);
    }
    finish(*this);
  }
};

// ---------------------------------------------------------------- connection commands

void cmd_ping(command_call& call) {
  if (call.args.size() > 2) {
    return call.conn.reply_now(error_reply("ERR wrong number of arguments for 'ping' command"));
  }
  if (call.conn.subscription_count() > 0) {
    std::string out;
    append_array_header(out, 2);
    append_bulk(out, "pong");
    append_bulk(out, call.args.size() == 2 ? call.args[1] : "");
    return call.conn.reply_now(std::move(out));
  }
  if (call.args.size() == 2) return call.conn.reply_now(bulk_reply(call.args[1]));
  call.conn.reply_now("+PONG\r\n");
}

void cmd_echo(command_call& call) {
  call.conn.reply_now(bulk_reply(call.args[1]));
}

void cmd_quit(command_call& call) {
  call.conn.reply_now(ok_reply, true);
}

void cmd_select(command_call& call) {
  const auto index = parse_integer(call.args[1]);
  if (!index) return call.conn.reply_now(not_integer_reply);
  if (*index != 0) return call.conn.reply_now(error_reply("ERR DB index is out of range"));
  call.conn.reply_now(ok_reply);
}

void cmd_auth(command_call& call) {
  if (call.args.size() > 3) return call.conn.reply_now(syntax_reply);
  if (!call.conn.state().options.tokens) {
    return call.conn.reply_now(error_reply(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?"));
  }
  const std::optional<std::string_view> user =
      call.args.size() == 3 ? std::optional<std::string_view>(call.args[1]) : std::nullopt;
  if (!call.conn.authenticate(call.args.back(), user)) {
    return call.conn.reply_now(
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  }
  call.conn.reply_now(ok_reply);
}

void cmd_hello(command_call& call) {
  std::size_t i = 1;
  if (call.args.size() > 1) {
    const auto version = parse_integer(call.args[1]);
    if (!version) {
      return call.conn.reply_now(
          error_reply("ERR Protocol version is not an integer or out of range"));
    }
    if (*version != 2) {
      return call.conn.reply_now("-NOPROTO unsupported protocol version\r\n");
    }
    i = 2;
  }
  for (; i < call.args.size(); ++i) {
    const std::string option = upper(call.args[i]);
    if (option == "AUTH" && i + 2 < call.args.size()) {
      if (!call.conn.state().options.tokens) {
        return call.conn.reply_now(error_reply(
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?"));
      }
      if (!call.conn.authenticate(call.args[i + 2], call.args[i + 1])) {
        return call.conn.reply_now(
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
      }
      i += 2;
    } else if (option == "SETNAME" && i + 1 < call.args.size()) {
      call.conn.set_name(std::string(call.args[++i]));
    } else {
      return call.conn.reply_now(
          error_reply("ERR Syntax error in HELLO option '" + std::string(call.args[i]) + "'"));
    }
  }
  if (!call.conn.authenticated())
    return call.conn.reply_now(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time\r\n");
  const auto& state = call.conn.state();
  std::string out;
  append_array_header(out, 14);
  append_bulk(out, "server");
  append_bulk(out, "redis");
  append_bulk(out, "version");
  append_bulk(out, "7.0.0");
  append_bulk(out, "proto");
  append_integer(out, 2);
  append_bulk(out, "id");
  append_integer(out, static_cast<std::int64_t>(call.conn.id()));
  append_bulk(out, "mode");
  append_bulk(out, "standalone");
  append_bulk(out, "role");
  append_bulk(out, "master");
  append_bulk(out, "modules");
  append_array_header(out, 0);
  (void)state;
  call.conn.reply_now(std::move(out));
}

bool valid_client_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c <= '~'; });
}

std::string client_line(connection& conn) {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - conn.connected_at())
                       .count();
  return "id=" + std::to_string(conn.id()) + " addr=" + conn.peer() + " name=" + conn.name() +
         " age=" + std::to_string(age) +
         " db=0 sub=" + std::to_string(conn.subscribed(false).size()) +
         " psub=" + std::to_string(conn.subscribed(true).size()) + "\n";
}

void cmd_client(command_call& call) {
  const std::string sub = upper(call.args[1]);
  if (sub == "SETNAME" && call.args.size() == 3) {
    if (!valid_client_name(call.args[2])) {
      return call.conn.reply_now(
          error_reply("ERR Client names cannot contain spaces, newlines or special characters."));
    }
    call.conn.set_name(std::string(call.args[2]));
    return call.conn.reply_now(ok_reply);
  }
  if (sub == "GETNAME" && call.args.size() == 2) {
    return call.conn.reply_now(call.conn.name().empty() ? null_reply
                                                        : bulk_reply(call.conn.name()));
  }
  if (sub == "ID" && call.args.size() == 2) {
    return call.conn.reply_now(integer_reply(static_cast<std::int64_t>(call.conn.id())));
  }
  if ((sub == "INFO" || sub == "LIST") && call.args.size() == 2) {
    return call.conn.reply_now(bulk_reply(client_line(call.conn)));
  }
  // redis-py 5 and other clients send it on connect; the library's name is not kept.
  if (sub == "SETINFO" && call.args.size() == 4) return call.conn.reply_now(ok_reply);
  if (sub == "HELP") {
    std::string out;
    const std::array<std::string_view, 6> lines = {
        "CLIENT <subcommand> [<arg> ...]. Subcommands are:",
        "SETNAME <name>",
        "GETNAME",
        "ID",
        "INFO",
        "LIST"};
    append_array_header(out, lines.size());
    for (const auto line : lines) append_simple(out, line);
    return call.conn.reply_now(std::move(out));
  }
  call.conn.reply_now(error_reply("ERR unknown subcommand or wrong number of arguments for '" +
                                  std::string(call.args[1]) + "'. Try CLIENT HELP."));
}

// CONFIG GET answers the few parameters clients and redis-benchmark ask for.
void cmd_config(command_call& call) {
  const std::string sub = upper(call.args[1]);
  if (sub == "GET" && call.args.size() >= 3) {
    static const std::array<std::pair<std::string_view, std::string_view>, 6> known = {{
        {"save", ""},
        {"appendonly", "no"},
        {"databases", "1"},
        {"maxmemory", "0"},
        {"timeout", "0"},
        {"maxclients", "10000"},
    }};
    std::vector<std::pair<std::string_view, std::string_view>> found;
    for (const auto& [name, value] : known) {
      for (std::size_t i = 2; i < call.args.size(); ++i) {
        std::string pattern(call.args[i]);
        for (char& c : pattern) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (glob_match(pattern, name)) {
          found.emplace_back(name, value);
          break;
        }
      }
    }
    std::string out;
    append_array_header(out, found.size() * 2);
    for (const auto& [name, value] : found) {
      append_bulk(out, name);
      append_bulk(out, value);
    }
    return call.conn.reply_now(std::move(out));
  }
  if (sub == "SET" || sub == "RESETSTAT" || sub == "REWRITE") {
    return call.conn.reply_now(error_reply("ERR CONFIG " + sub +
                                           " is not supported by kvactor: its settings are in "
                                           "the node's config file"));
  }
  call.conn.reply_now(error_reply("ERR unknown subcommand or wrong number of arguments for '" +
                                  std::string(call.args[1]) + "'. Try CONFIG HELP."));
}

void append_command_info(std::string& out, const command_spec& spec) {
  append_array_header(out, 10);
  append_bulk(out, spec.name);
  append_integer(out, spec.arity);
  std::vector<std::string_view> flags;
  std::string_view rest = spec.flags;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    flags.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  append_array_header(out, flags.size());
  for (const auto flag : flags) append_simple(out, flag);
  append_integer(out, spec.first_key);
  append_integer(out, spec.last_key);
  append_integer(out, spec.key_step);
  for (int i = 0; i < 4; ++i) append_array_header(out, 0);  // ACL categories, tips, specs, subs
}

void cmd_command(command_call& call) {
  const auto table = command_table();
  if (call.args.size() == 1) {
    std::string out;
    append_array_header(out, table.size());
    for (const auto& spec : table) append_command_info(out, spec);
    return call.conn.reply_now(std::move(out));
  }
  const std::string sub = upper(call.args[1]);
  if (sub == "COUNT" && call.args.size() == 2) {
    return call.conn.reply_now(integer_reply(static_cast<std::int64_t>(table.size())));
  }
  if (sub == "INFO") {
    std::string out;
    append_array_header(out, call.args.size() - 2);
    for (std::size_t i = 2; i < call.args.size(); ++i) {
      if (const command_spec* spec = find_command(call.args[i])) {
        append_command_info(out, *spec);
      } else {
        append_null_array(out);
      }
    }
    return call.conn.reply_now(std::move(out));
  }
  if (sub == "LIST" && call.args.size() == 2) {
    std::string out;
    append_array_header(out, table.size());
    for (const auto& spec : table) append_bulk(out, spec.name);
    return call.conn.reply_now(std::move(out));
  }
  // No documentation is served: redis-cli falls back on the help it was built with.
  if (sub == "DOCS") return call.conn.reply_now("*0\r\n");
  call.conn.reply_now(error_reply("ERR unknown subcommand or wrong number of arguments for '" +
                                  std::string(call.args[1]) + "'. Try COMMAND HELP."));
}

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
void set_existing(store_api store, std::string key, shared_bytes value, std::uint32_t ttl,
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

void run_incr(command_call& call, std::string amount, bool as_float) {
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

void run_ttl(command_call& call, bool in_ms) {
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

// ---------------------------------------------------------------- sets and hashes

void run_collection_op(command_call& call, typed_operation op, bool ok_reply_wanted = false) {
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

void set_member_op(command_call& call, operation_kind kind) {
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
void read_collection(command_call& call, value_type wanted, Answer answer) {
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

void run_hset(command_call& call, bool ok_reply_wanted) {
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

// ---------------------------------------------------------------- the key space

// Whether a listed key goes into a KEYS or SCAN answer.
struct key_filter {
  std::string pattern;
  glob_plan plan;
  std::optional<value_type> type;  // SCAN TYPE: a Redis type name matched against redis_type
  std::string type_name;
  std::shared_ptr<const auth::token_grant> grant;

  bool accepts(const scan_item& item) const {
    if (plan.needs_match && !glob_match(pattern, item.key)) return false;
    if (!type_name.empty() && redis_type(item.type) != type_name) return false;
    return !grant || grant->may_read(item.key);
  }
};

key_filter make_filter(connection& conn, std::string_view pattern) {
  key_filter filter;
  filter.pattern = std::string(pattern);
  filter.plan = plan_glob(pattern);
  filter.grant = conn.grant_ptr();
  return filter;
}

scan_query query_for(const key_filter& filter, std::optional<std::string> after,
                     std::size_t limit) {
  scan_query query;
  query.prefix = filter.plan.prefix;
  query.suffix = filter.plan.suffix;
  query.after = std::move(after);
  query.limit = limit;
  return query;
}

// KEYS: page after page until the listing ends.
struct keys_walk {
  store_api store;
  key_filter filter;
  reply_ref reply;
  std::vector<std::string> found;
};

void continue_keys(const std::shared_ptr<keys_walk>& walk, std::optional<std::string> after) {
  walk->store.list(query_for(walk->filter, std::move(after), keys_page),
                   [walk](std::optional<list_page> page) {
                     if (!page) return walk->reply.send(unavailable_reply);
                     for (auto& item : page->items) {
                       if (walk->filter.accepts(item)) walk->found.push_back(std::move(item.key));
                     }
                     if (page->next) return continue_keys(walk, std::move(page->next));
                     std::string out;
                     append_array_header(out, walk->found.size());
                     for (const auto& key : walk->found) append_bulk(out, key);
                     walk->reply.send(std::move(out));
                   });
}

void cmd_keys(command_call& call) {
  call.conn.submit_batch();
  auto walk = std::make_shared<keys_walk>(keys_walk{call.conn.state().store,
                                                    make_filter(call.conn, call.args[1]),
                                                    call.conn.new_reply(true),
                                                    {}});
  continue_keys(walk, std::nullopt);
}

void cmd_scan(command_call& call) {
  const auto cursor_number = parse_integer(call.args[1]);
  // Cursors are unsigned in Redis; ours are always below 2^63.
  if (!cursor_number || *cursor_number < 0) {
    return call.conn.reply_now(error_reply("ERR invalid cursor"));
  }
  std::string pattern = "*";
  std::size_t count = 10;
  std::string type_name;
  for (std::size_t i = 2; i < call.args.size(); i += 2) {
    if (i + 1 >= call.args.size()) return call.conn.reply_now(syntax_reply);
    const std::string option = upper(call.args[i]);
    if (option == "MATCH") {
      pattern = std::string(call.args[i + 1]);
    } else if (option == "COUNT") {
      const auto n = parse_integer(call.args[i + 1]);
      if (!n) return call.conn.reply_now(not_integer_reply);
      if (*n < 1) return call.conn.reply_now(syntax_reply);
      count = std::min<std::size_t>(static_cast<std::size_t>(*n), max_scan_count);
    } else if (option == "TYPE") {
      type_name = std::string(call.args[i + 1]);
      for (char& c : type_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      return call.conn.reply_now(syntax_reply);
    }
  }
  std::optional<std::string> after;
  if (*cursor_number != 0) {
    after = call.conn.state().cursors.find(static_cast<std::uint64_t>(*cursor_number));
    if (!after) {
      return call.conn.reply_now(
          error_reply("ERR invalid cursor (unknown, or forgotten: start again from 0)"));
    }
  }
  key_filter filter = make_filter(call.conn, pattern);
  filter.type_name = std::move(type_name);
  call.conn.submit_batch();
  auto r = call.conn.new_reply(true);
  server_state* state = &call.conn.state();
  const scan_query query = query_for(filter, std::move(after), count);
  // The connection (held by the reply) keeps the cursor table alive.
  state->store.list(query, [r, state, filter = std::move(filter)](std::optional<list_page> page) {
    if (!page) return r.send(unavailable_reply);
    std::vector<std::string> keys;
    for (auto& item : page->items) {
      if (filter.accepts(item)) keys.push_back(std::move(item.key));
    }
    const std::uint64_t next = page->next ? state->cursors.open(std::move(*page->next)) : 0;
    std::string out;
    append_array_header(out, 2);
    append_bulk(out, std::to_string(next));
    append_array_header(out, keys.size());
    for (const auto& key : keys) append_bulk(out, key);
    r.send(std::move(out));
  });
}

void cmd_dbsize(command_call& call) {
  if (!check_everything(call, "count keys")) return;
  call.conn.submit_batch();
  call.conn.state().store.partitions(
      [r = call.conn.new_reply(true)](std::optional<std::vector<partition_info>> partitions) {
        if (!partitions) return r.send(unavailable_reply);
        std::int64_t keys = 0;
        for (const auto& partition : *partitions) keys += static_cast<std::int64_t>(partition.keys);
        r.send(integer_reply(keys));
      });
}

std::string hex_of(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += digits[static_cast<unsigned char>(c) >> 4];
    out += digits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

std::string info_text(const server_state& state, const std::vector<partition_info>& partitions,
                      const std::string& section, std::size_t memory_bytes) {
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - state.started)
                          .count();
  const auto counters = state.feed.counters();
  std::size_t keys = 0;
  std::size_t bytes = 0;
  for (const auto& partition : partitions) {
    keys += partition.keys;
    bytes += partition.bytes;
  }
  const bool all =
      section.empty() || section == "all" || section == "everything" || section == "default";
  auto wanted = [&](std::string_view name) { return all || section == name; };
  std::string out;
  auto line = [&out](std::string_view name, const auto& value) {
    out += name;
    out += ':';
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      out += std::to_string(value);
    } else {
      out += value;
    }
    out += "\r\n";
  };
  if (wanted("server")) {
    out += "# Server\r\n";
    line("redis_version", std::string("7.0.0"));
    line("redis_mode", std::string("standalone"));
    line("kvactor_version", state.options.version);
    line("kvactor_node_id", state.options.node_id);
    line("os", std::string("Linux"));
    line("arch_bits", 64);
    line("process_id", static_cast<long>(::getpid()));
    line("tcp_port", static_cast<int>(state.port));
    line("uptime_in_seconds", static_cast<long>(uptime));
    line("uptime_in_days", static_cast<long>(uptime / 86400));
    out += "\r\n";
  }
  if (wanted("clients")) {
    out += "# Clients\r\n";
    line("connected_clients", static_cast<long>(state.connections_open.load()));
    out += "\r\n";
  }
  if (wanted("memory")) {
    out += "# Memory\r\n";
    line("used_memory", memory_bytes);
    line("used_memory_rss", memory_bytes);
    line("kvactor_stored_bytes", bytes);
    out += "\r\n";
  }
  if (wanted("stats")) {
    out += "# Stats\r\n";
    line("total_connections_received", state.connections_received.load());
    line("total_commands_processed", state.commands_processed.load());
    line("kvactor_feed_events", counters->events.load());
    line("expired_keys", counters->expired.load());
    line("pubsub_channels", static_cast<long>(counters->resp_watches.load()));
    line("kvactor_subscribers_cut", state.subscribers_cut.load());
    out += "\r\n";
  }
  if (wanted("replication")) {
    out += "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n";
  }
  if (wanted("keyspace")) {
    out += "# Keyspace\r\n";
    if (keys > 0) out += "db0:keys=" + std::to_string(keys) + ",expires=0,avg_ttl=0\r\n";
    out += "\r\n";
  }
  if (wanted("partitions")) {
    out += "# Partitions\r\n";
    for (const auto& partition : partitions) {
      out +=
          "partition" + std::to_string(partition.id) + ":start=" + hex_of(partition.range.start) +
          ",end=" + (partition.range.end ? hex_of(*partition.range.end) : std::string()) +
          ",keys=" + std::to_string(partition.keys) + ",bytes=" + std::to_string(partition.bytes) +
          ",queue=" + std::to_string(partition.queue_depth) + "\r\n";
    }
    out += "\r\n";
  }
  return out;
}

std::size_t resident_bytes() {
  long pages = 0;
  long resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(statm);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

void cmd_info(command_call& call) {
  if (call.args.size() > 2) return call.conn.reply_now(syntax_reply);
  std::string section = call.args.size() == 2 ? std::string(call.args[1]) : std::string();
  for (char& c : section) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  call.conn.submit_batch();
  server_state* state = &call.conn.state();
  state->store.partitions([r = call.conn.new_reply(true), state,
                           section](std::optional<std::vector<partition_info>> partitions) {
    if (!partitions) return r.send(unavailable_reply);
    r.send(bulk_reply(info_text(*state, *partitions, section, resident_bytes())));
  });
}

// ---------------------------------------------------------------- pub/sub

void run_subscribe(command_call& call, bool pattern) {
  std::string out;
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    const std::size_t count = call.conn.subscribe(call.args[i], pattern);
    append_array_header(out, 3);
    append_bulk(out, pattern ? "psubscribe" : "subscribe");
    append_bulk(out, call.args[i]);
    append_integer(out, static_cast<std::int64_t>(count));
  }
  call.conn.reply_now(std::move(out));
}

void run_unsubscribe(command_call& call, bool pattern) {
  std::vector<std::string> names;
  if (call.args.size() == 1) {
    names = call.conn.subscribed(pattern);
  } else {
    for (std::size_t i = 1; i < call.args.size(); ++i) names.emplace_back(call.args[i]);
  }
  const std::string_view kind = pattern ? "punsubscribe" : "unsubscribe";
  std::string out;
  if (names.empty()) {
    append_array_header(out, 3);
    append_bulk(out, kind);
    append_null(out);
    append_integer(out, static_cast<std::int64_t>(call.conn.subscription_count()));
  }
  for (const auto& name : names) {
    const std::size_t count = call.conn.unsubscribe(name, pattern);
    append_array_header(out, 3);
    append_bulk(out, kind);
    append_bulk(out, name);
    append_integer(out, static_cast<std::int64_t>(count));
  }
  call.conn.reply_now(std::move(out));
}

void cmd_subscribe(command_call& call) {
  run_subscribe(call, false);
}
void cmd_psubscribe(command_call& call) {
  run_subscribe(call, true);
}
void cmd_unsubscribe(command_call& call) {
  run_unsubscribe(call, false);
}
void cmd_punsubscribe(command_call& call) {
  run_unsubscribe(call, true);
}

// RESET: the connection as it was when it connected, but for its authentication (Redis also
// forgets that; a token stays here, as there is no user to fall back to).
void cmd_reset(command_call& call) {
  for (const auto& name : call.conn.subscribed(false)) call.conn.unsubscribe(name, false);
  for (const auto& name : call.conn.subscribed(true)) call.conn.unsubscribe(name, true);
  call.conn.set_name({});
  call.conn.reply_now("+RESET\r\n");
}

void cmd_multi(command_call& call) {
  call.conn.begin_transaction();
}
void cmd_exec(command_call& call) {
  call.conn.execute_transaction();
}
void cmd_discard(command_call& call) {
  call.conn.discard_transaction();
}

// Sorted by name (find_command's lookup does not depend on it, COMMAND's listing does).
const command_spec commands[] = {
    {"auth", -2, "noscript loading stale fast no_auth", 0, 0, 0, cmd_auth, true, false},
    {"client", -2, "admin noscript loading stale", 0, 0, 0, cmd_client, false, false},
    {"command", -1, "loading stale", 0, 0, 0, cmd_command, false, false},
    {"config", -2, "admin noscript loading stale", 0, 0, 0, cmd_config, false, false},
    {"dbsize", 1, "readonly fast", 0, 0, 0, cmd_dbsize, false, false},
    {"decr", 2, "write denyoom fast", 1, 1, 1, cmd_decr, false, false},
    {"decrby", 3, "write denyoom fast", 1, 1, 1, cmd_decrby, false, false},
    {"del", -2, "write", 1, -1, 1, cmd_del, false, false},
    {"discard", 1, "noscript loading stale fast", 0, 0, 0, cmd_discard, false, false, true},
    {"echo", 2, "fast", 0, 0, 0, cmd_echo, false, false},
    {"exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, cmd_exec, false, false, true},
    {"exists", -2, "readonly fast", 1, -1, 1, cmd_exists, false, false},
    {"expire", -3, "write fast", 1, 1, 1, cmd_expire, false, false},
    {"get", 2, "readonly fast", 1, 1, 1, cmd_get, false, false},
    {"hdel", -3, "write fast", 1, 1, 1, cmd_hdel, false, false},
    {"hello", -1, "noscript loading stale fast no_auth", 0, 0, 0, cmd_hello, true, false},
    {"hexists", 3, "readonly fast", 1, 1, 1, cmd_hexists, false, false},
    {"hget", 3, "readonly fast", 1, 1, 1, cmd_hget, false, false},
    {"hgetall", 2, "readonly", 1, 1, 1, cmd_hgetall, false, false},
    {"hlen", 2, "readonly fast", 1, 1, 1, cmd_hlen, false, false},
    {"hmset", -4, "write denyoom fast", 1, 1, 1, cmd_hmset, false, false},
    {"hset", -4, "write denyoom fast", 1, 1, 1, cmd_hset, false, false},
    {"incr", 2, "write denyoom fast", 1, 1, 1, cmd_incr, false, false},
    {"incrby", 3, "write denyoom fast", 1, 1, 1, cmd_incrby, false, false},
    {"incrbyfloat", 3, "write denyoom fast", 1, 1, 1, cmd_incrbyfloat, false, false},
    {"info", -1, "loading stale", 0, 0, 0, cmd_info, false, false},
    {"keys", 2, "readonly", 0, 0, 0, cmd_keys, false, false},
    {"mget", -2, "readonly fast", 1, -1, 1, cmd_mget, false, false},
    {"mset", -3, "write denyoom", 1, -1, 2, cmd_mset, false, false},
    {"multi", 1, "noscript loading stale fast", 0, 0, 0, cmd_multi, false, false, true},
    {"persist", 2, "write fast", 1, 1, 1, cmd_persist, false, false},
    {"ping", -1, "fast", 0, 0, 0, cmd_ping, true, true},
    {"psubscribe", -2, "pubsub noscript loading stale", 0, 0, 0, cmd_psubscribe, false, true},
    {"pttl", 2, "readonly fast", 1, 1, 1, cmd_pttl, false, false},
    {"punsubscribe", -1, "pubsub noscript loading stale", 0, 0, 0, cmd_punsubscribe, false, true},
    {"quit", -1, "noscript loading stale fast no_auth", 0, 0, 0, cmd_quit, true, true, true},
    {"reset", 1, "noscript loading stale fast no_auth", 0, 0, 0, cmd_reset, false, true},
    {"sadd", -3, "write denyoom fast", 1, 1, 1, cmd_sadd, false, false},
    {"scan", -2, "readonly", 0, 0, 0, cmd_scan, false, false},
    {"scard", 2, "readonly fast", 1, 1, 1, cmd_scard, false, false},
    {"select", 2, "loading stale fast", 0, 0, 0, cmd_select, false, false},
    {"set", -3, "write denyoom", 1, 1, 1, cmd_set, false, false},
    {"sismember", 3, "readonly fast", 1, 1, 1, cmd_sismember, false, false},
    {"smembers", 2, "readonly", 1, 1, 1, cmd_smembers, false, false},
    {"srem", -3, "write fast", 1, 1, 1, cmd_srem, false, false},
    {"subscribe", -2, "pubsub noscript loading stale", 0, 0, 0, cmd_subscribe, false, true},
    {"ttl", 2, "readonly fast", 1, 1, 1, cmd_ttl, false, false},
    {"type", 2, "readonly fast", 1, 1, 1, cmd_type, false, false},
    {"unsubscribe", -1, "pubsub noscript loading stale", 0, 0, 0, cmd_unsubscribe, false, true},
};

}  // namespace

std::span<const command_spec> command_table() {
  return commands;
}

const command_spec* find_command(std::string_view name) {
  static const auto by_name = [] {
    std::unordered_map<std::string_view, const command_spec*> map;
    for (const auto& spec : commands) map.emplace(spec.name, &spec);
    return map;
  }();
  char lowered[16];
  if (name.size() > sizeof lowered) return nullptr;
  for (std::size_t i = 0; i < name.size(); ++i) {
    lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const auto found = by_name.find(std::string_view(lowered, name.size()));
  return found == by_name.end() ? nullptr : found->second;
}

std::size_t command_index(const command_spec& spec) {
  return static_cast<std::size_t>(&spec - commands);
}

}  // namespace kv::resp
