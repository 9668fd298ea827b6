// The commands about the connection itself: PING, ECHO, AUTH, HELLO, CLIENT, CONFIG GET,
// COMMAND, SELECT, QUIT, RESET, and MULTI, EXEC and DISCARD.
#include <unistd.h>

#include <array>

#include "transports/resp/command_handlers.hpp"
#include "transports/resp/command_support.hpp"
#include "transports/resp/glob.hpp"

namespace kv::resp {

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

static bool valid_client_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c <= '~'; });
}

static std::string client_line(connection& conn) {
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

static void append_command_info(std::string& out, const command_spec& spec) {
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

}  // namespace kv::resp
