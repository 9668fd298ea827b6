// kvctl: the command-line client of a kvactor node. Declares the command line (CLI11) and runs
// the chosen command from kvctl_commands; any usage error is one line on stderr and exit 2.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <csignal>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "bin/kvctl_commands.hpp"
#include "client/feed_subscriber.hpp"
#include "client/request_paths.hpp"

namespace {

template <class Number>
bool parses_whole(const std::string& text, Number& number) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number);
  return !text.empty() && error == std::errc{} && stop == end;
}

// CLI11 reads "-1" as 2^64-1 and clamps overflow, so versions get a strict check of their own.
const CLI::Validator version_number(
    [](std::string& text) -> std::string {
      std::uint64_t version = 0;
      return parses_whole(text, version) ? ""
                                         : "must be a non-negative integer, not `" + text + "`";
    },
    "");

// An expiry in whole seconds, 1 to 10^9, as the node takes it (contract section 8).
const CLI::Validator ttl_seconds(
    [](std::string& text) -> std::string {
      std::uint32_t seconds = 0;
      if (parses_whole(text, seconds) && seconds >= 1 && seconds <= 1'000'000'000) return "";
      return "must be a whole number of seconds from 1 to 1000000000, not `" + text + "`";
    },
    "");

// A day is far more than any request needs, and keeps "inf" and 1e300 out.
constexpr int max_timeout_seconds = 24 * 60 * 60;

const CLI::Validator timeout_seconds(
    [](std::string& text) -> std::string {
      double seconds = 0;
      if (parses_whole(text, seconds) && seconds > 0 && seconds <= max_timeout_seconds) return "";
      return "must be a number of seconds above 0 and at most " +
             std::to_string(max_timeout_seconds);
    },
    "");

// A bad --url (or KVCTL_URL) is bad usage, caught before any command runs.
const CLI::Validator node_url(
    [](std::string& text) -> std::string {
      try {
        kv::client::parse_url(text);
        return "";
      } catch (const std::invalid_argument& error) {
        return error.what();
      }
    },
    "");

// A --feed (or KVCTL_FEED) that ZeroMQ cannot connect to is bad usage too.
const CLI::Validator feed_endpoint(
    [](std::string& text) -> std::string {
      return kv::client::feed_endpoint_problem(text).value_or("");
    },
    "");

void add_global_options(CLI::App& app, kvctl::invocation& args) {
  app.add_option("--url", args.url, "The node's base URL")
      ->envname("KVCTL_URL")
      ->type_name("URL")
      ->capture_default_str()
      ->check(node_url);
  app.add_option("--token", args.token, "Bearer token sent to a node that needs one")
      ->envname("KVCTL_TOKEN")
      ->type_name("TOKEN");
  app.add_option("--cacert", args.cacert,
                 "For https: the CA certificate (PEM) that signed the node's certificate "
                 "(default: the system's CAs)")
      ->envname("KVCTL_CACERT")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  app.add_option("--cert", args.cert,
                 "For https: the client certificate (PEM) a node requiring mutual TLS checks")
      ->envname("KVCTL_CERT")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  app.add_option("--key", args.key_file, "For https: the private key (PEM) of --cert")
      ->envname("KVCTL_KEY")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", args.json, "Print results as JSON, for scripts");
  app.add_option("--timeout", args.timeout_seconds,
                 "Seconds to wait for the connection and for each read or write")
      ->type_name("SECONDS")
      ->capture_default_str()
      ->check(timeout_seconds);
}

// A command that, when the user names it, is what main runs after parsing.
CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description,
                      kvctl::command run, kvctl::command& chosen) {
  CLI::App* command = app.add_subcommand(name, description);
  command->callback([run, &chosen] { chosen = run; });
  return command;
}

void add_if_version_option(CLI::App& command, kvctl::invocation& args) {
  command
      .add_option("--if-version", args.if_version,
                  "Only if the key is at this version (0: only if it does not exist)")
      ->type_name("N")
      ->check(version_number);
}

void add_read_commands(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  add_command(app, "get", "Print KEY's value to stdout, byte for byte, no newline added",
              kvctl::get_command, chosen)
      ->add_option("KEY", args.key, "The key")
      ->required();
  add_command(app, "read", "Same as get (the older clients' spelling)", kvctl::get_command, chosen)
      ->add_option("--key", args.key, "The key")
      ->required();
}

void add_write_commands(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  CLI::App* put = add_command(app, "put", "Store VALUE, or all of stdin when VALUE is absent",
                              kvctl::put_command, chosen);
  put->add_option("KEY", args.key, "The key")->required();
  put->add_option("VALUE", args.value, "The value (default: read stdin to its end)");
  put->add_option("--type", args.type,
                  "Store VALUE as this type (bytes, int, uint, float, set, hash, json)")
      ->type_name("T")
      ->check(CLI::IsMember({"bytes", "int", "uint", "float", "set", "hash", "json"}));
  put->add_option("--ttl", args.ttl_seconds, "Expire KEY this many seconds after the write")
      ->type_name("S")
      ->check(ttl_seconds);
  add_if_version_option(*put, args);

  CLI::App* store = add_command(app, "store", "Same as put (the older clients' spelling)",
                                kvctl::put_command, chosen);
  store->add_option("--key", args.key, "The key")->required();
  store->add_option("--value", args.value, "The value (default: read stdin to its end)");
  add_if_version_option(*store, args);
}

constexpr int any_number = 1 << 20;

// The key, then from `least` to `most` further words into args.items.
void add_key_and_items(CLI::App& command, kvctl::invocation& args, const std::string& name,
                       const std::string& description, int least, int most) {
  command.add_option("KEY", args.key, "The key")->required();
  command.add_option(name, args.items, description)->expected(least, most)->required();
}

void add_expiry_commands(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  CLI::App* expire =
      add_command(app, "expire", "Make KEY expire SECONDS from now", kvctl::expire_command, chosen);
  expire->add_option("KEY", args.key, "The key")->required();
  expire->add_option("SECONDS", args.ttl_seconds, "Seconds from now, 1 to 10^9")
      ->required()
      ->check(ttl_seconds);
  add_if_version_option(*expire, args);
  CLI::App* persist =
      add_command(app, "persist", "Remove KEY's expiry", kvctl::persist_command, chosen);
  persist->add_option("KEY", args.key, "The key")->required();
  add_if_version_option(*persist, args);
  add_command(app, "ttl", "Print the seconds KEY has left, or -1 when it does not expire",
              kvctl::ttl_command, chosen)
      ->add_option("KEY", args.key, "The key")
      ->required();
}

void add_typed_commands(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  CLI::App* incr = add_command(app, "incr", "Add N (default 1; may be negative) to KEY's number",
                               kvctl::incr_command, chosen);
  incr->add_option("KEY", args.key, "The key")->required();
  incr->add_option("N", args.items, "The amount: an integer, or any number for a float")
      ->expected(0, 1);
  incr->add_option("--type", args.type, "The type a missing KEY is created as (default int)")
      ->type_name("T")
      ->check(CLI::IsMember({"int", "uint", "float"}));
  add_if_version_option(*incr, args);

  CLI::App* sadd =
      add_command(app, "sadd", "Add members to the set KEY", kvctl::sadd_command, chosen);
  add_key_and_items(*sadd, args, "MEMBER", "The members", 1, any_number);
  add_if_version_option(*sadd, args);
  CLI::App* srem =
      add_command(app, "srem", "Remove members from the set KEY", kvctl::srem_command, chosen);
  add_key_and_items(*srem, args, "MEMBER", "The members", 1, any_number);
  add_if_version_option(*srem, args);

  CLI::App* hset =
      add_command(app, "hset", "Set fields of the hash KEY", kvctl::hset_command, chosen);
  add_key_and_items(*hset, args, "FIELD VALUE", "Field and value pairs", 2, any_number);
  add_if_version_option(*hset, args);
  hset->callback([&args, &chosen] {
    if (args.items.size() % 2 != 0) {
      throw CLI::ValidationError("hset", "give fields and values in pairs: FIELD VALUE ...");
    }
    chosen = kvctl::hset_command;
  });

  CLI::App* hdel =
      add_command(app, "hdel", "Remove fields from the hash KEY", kvctl::hdel_command, chosen);
  add_key_and_items(*hdel, args, "FIELD", "The fields", 1, any_number);
  add_if_version_option(*hdel, args);

  add_key_and_items(*add_command(app, "hget", "Print one field of the hash KEY, no newline added",
                                 kvctl::hget_command, chosen),
                    args, "FIELD", "The field", 1, 1);
  add_command(app, "smembers", "Print the members of the set KEY, one per line",
              kvctl::smembers_command, chosen)
      ->add_option("KEY", args.key, "The key")
      ->required();
  add_key_and_items(*add_command(app, "sismember", "Exit 0 if MEMBER is in the set KEY, 1 if not",
                                 kvctl::sismember_command, chosen),
                    args, "MEMBER", "The member", 1, 1);
}

void add_delete_command(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  CLI::App* erase = app.add_subcommand("delete", "Delete a key; deleting a missing key succeeds");
  CLI::Option* positional = erase->add_option("KEY", args.key, "The key");
  CLI::Option* flag = erase->add_option("--key", args.key, "The key (the older clients' spelling)");
  add_if_version_option(*erase, args);
  // The key comes exactly once, in either spelling.
  erase->callback([positional, flag, &chosen] {
    if (positional->count() + flag->count() != 1) {
      throw CLI::ValidationError("delete", "give the key once, as KEY or as --key KEY");
    }
    chosen = kvctl::delete_command;
  });
}

void add_listing_commands(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  CLI::App* search = add_command(app, "search", "Print the matching keys, one per line",
                                 kvctl::search_command, chosen);
  search->add_option("--prefix", args.prefix, "Only keys that start with P")->type_name("P");
  search->add_option("--suffix", args.suffix, "Only keys that end with S")->type_name("S");

  add_command(app, "list", "Print every key (or those with a prefix), one per line",
              kvctl::search_command, chosen)
      ->add_option("--prefix", args.prefix, "Only keys that start with P")
      ->type_name("P");
}

void add_node_commands(CLI::App& app, kvctl::command& chosen) {
  add_command(app, "ping", "Check that the node answers", kvctl::ping_command, chosen);
  add_command(app, "info", "Print the node's id, version, uptime and partitions",
              kvctl::info_command, chosen);
}

constexpr const char* watch_footer =
    R"(Output: one line per change, flushed at once, so `kvctl watch | ...` works live:
  PUT KEY VALUE
  DELETE KEY
In KEY and VALUE, \ prints as \\, tab, newline and carriage return as \t, \n and \r,
other control characters and bytes that are not UTF-8 as \xNN; in KEY a space prints as
\x20, so the value is everything after the second space. With --json, each line is the
event JSON exactly as the node sent it (the value in base64), for scripts.

Transports:
  ZeroMQ (the default): subscribes to the prefix on the feed the node at --url advertises
    (GET /v1/info; a wildcard host there, such as 0.0.0.0, means the host of --url). When the
    node advertises none, or no ZeroMQ handshake with it completes within 2 seconds (or
    --timeout, if shorter), a WARNING says so and the watch goes on over --sse.
    With --feed (or KVCTL_FEED) that endpoint is used as given: ZeroMQ connects in the
    background and keeps retrying, so a node that is not there yet is waited for (after
    --timeout seconds a WARNING says so). A subscription starts a moment after connecting.
    The feed drops events for a subscriber that falls behind: without --prefix, every gap
    in a partition's seq is reported on stderr as a WARNING; with a prefix, seq also skips
    the partition's other keys, so a loss cannot be seen.
  --sse: GET /v1/watch on --url. Nothing is missed or repeated: a dropped connection is
    resumed after the last event seen (Last-Event-ID), quietly when at once, else with a
    WARNING, for up to --timeout seconds of failed attempts. --since-rev R starts after
    rev R (resuming needs --sse: the ZeroMQ feed keeps no history). When the node no
    longer retains the events to resume from, a WARNING says what was missed, and the
    watch goes on.

Runs until SIGINT (Ctrl-C) or SIGTERM, then exits 0; exits 1 with ERROR on stderr when the
node cannot be reached over HTTP (--sse, or to ask where its feed is) or sends something that is
not a change feed.)";

void add_watch_command(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  CLI::App* watch = add_command(app, "watch", "Print every change to the keys, one line each",
                                kvctl::watch_command, chosen);
  watch->add_option("--prefix", args.prefix, "Only keys that start with P")->type_name("P");
  watch
      ->add_option("--feed", args.feed,
                   "The node's ZeroMQ change feed (default: the one the node at --url "
                   "advertises; ignored with --sse)")
      ->envname("KVCTL_FEED")
      ->type_name("ENDPOINT")
      ->check(feed_endpoint);
  CLI::Option* server_key =
      watch
          ->add_option("--curve-server-key", args.curve_server_key,
                       "The node's CURVE public key (Z85; /v1/info's feed.curve_server_key)")
          ->envname("KVCTL_CURVE_SERVER_KEY")
          ->type_name("KEY");
  watch
      ->add_option("--curve-secret-key", args.curve_secret_key,
                   "This client's CURVE secret key (Z85); the node must allow its public key")
      ->envname("KVCTL_CURVE_SECRET_KEY")
      ->type_name("KEY")
      ->needs(server_key);
  server_key->needs(watch->get_option("--curve-secret-key"));
  CLI::Option* sse =
      watch->add_flag("--sse", args.sse, "Watch over HTTP (server-sent events) on --url");
  watch
      ->add_option("--since-rev", args.since_rev,
                   "Start after this rev: every retained change since, then the live ones")
      ->type_name("R")
      ->check(version_number)
      ->needs(sse);
  watch->footer(watch_footer);
}

void define_command_line(CLI::App& app, kvctl::invocation& args, kvctl::command& chosen) {
  app.set_version_flag("--version", KVACTOR_VERSION);
  // Global options may also follow the command: `kvctl get KEY --json`.
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success; 1 missing key, error reply or unreachable node; 2 bad usage.");
  add_global_options(app, args);
  add_read_commands(app, args, chosen);
  add_write_commands(app, args, chosen);
  add_delete_command(app, args, chosen);
  add_typed_commands(app, args, chosen);
  add_expiry_commands(app, args, chosen);
  add_listing_commands(app, args, chosen);
  add_node_commands(app, chosen);
  add_watch_command(app, args, chosen);
}

// CLI11 reports `kvctl frob` and `kvctl --frob` as "A subcommand is required"; naming the word
// it did not know helps more.
std::optional<std::string> missing_command_problem(const CLI::App& app,
                                                   const CLI::ParseError& error) {
  if (!dynamic_cast<const CLI::RequiredError*>(&error) || !app.get_subcommands().empty()) {
    return std::nullopt;
  }
  const auto unparsed = app.remaining();
  if (unparsed.empty()) return "no command given";
  const std::string& word = unparsed.front();
  return (word.starts_with('-') ? "unknown option `" : "unknown command `") + word + "`";
}

std::string usage_problem(const CLI::App& app, const CLI::ParseError& error) {
  if (auto problem = missing_command_problem(app, error)) return *problem;
  std::string message = error.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

// One line, pointing at the help of the command being parsed.
void report_usage_error(const CLI::App& app, const CLI::ParseError& error) {
  const std::string message = usage_problem(app, error);
  const auto commands = app.get_subcommands();
  const std::string help =
      commands.empty() ? "kvctl --help" : "kvctl " + commands.front()->get_name() + " --help";
  std::cerr << "ERROR: " << message << " (see " << help << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kvctl: the command-line client of a kvactor node", "kvctl"};
  kvctl::invocation args;
  kvctl::command chosen = nullptr;
  define_command_line(app, args, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help_or_version) {
    return app.exit(help_or_version);
  } catch (const CLI::ParseError& error) {
    report_usage_error(app, error);
    return kvctl::exit_usage;
  }
  // OpenSSL writes to its socket with write(): a node refusing the handshake would end kvctl
  // with SIGPIPE, and no message. A failed write to stdout is reported by flush_stdout.
  if (kv::client::parse_url(args.url).scheme == "https") std::signal(SIGPIPE, SIG_IGN);
  return chosen(args);
}
