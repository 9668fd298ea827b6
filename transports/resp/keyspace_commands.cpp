// The commands on the whole key space, through the routers: KEYS, SCAN, DBSIZE and INFO.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "transports/resp/command_handlers.hpp"
#include "transports/resp/command_support.hpp"
#include "transports/resp/glob.hpp"

namespace kv::resp {
namespace {

// Keys KEYS and SCAN ask the store for at a time.
constexpr std::size_t keys_page = 1000;
constexpr std::size_t max_scan_count = 10000;

}  // namespace

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

static key_filter make_filter(connection& conn, std::string_view pattern) {
  key_filter filter;
  filter.pattern = std::string(pattern);
  filter.plan = plan_glob(pattern);
  filter.grant = conn.grant_ptr();
  return filter;
}

static scan_query query_for(const key_filter& filter, std::optional<std::string> after,
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

static void continue_keys(const std::shared_ptr<keys_walk>& walk,
                          std::optional<std::string> after) {
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

static std::string hex_of(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += digits[static_cast<unsigned char>(c) >> 4];
    out += digits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

static std::string info_text(const server_state& state,
                             const std::vector<partition_info>& partitions,
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

static std::size_t resident_bytes() {
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

}  // namespace kv::resp
