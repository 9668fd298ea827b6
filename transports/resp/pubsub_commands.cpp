// SUBSCRIBE, PSUBSCRIBE and their UNSUBSCRIBEs: watch streams of the change feed.
#include "transports/resp/command_handlers.hpp"
#include "transports/resp/command_support.hpp"

namespace kv::resp {

// ---------------------------------------------------------------- pub/sub

static void run_subscribe(command_call& call, bool pattern) {
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

static void run_unsubscribe(command_call& call, bool pattern) {
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

}  // namespace kv::resp
