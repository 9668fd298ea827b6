// kvctl's commands on typed values: incr, the set and hash operations and their reads. An
// operation prints the key's new value as GET prints it (--json: the node's whole reply).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bin/kvctl_commands.hpp"
#include "bin/kvctl_output.hpp"
#include "client/kv_client.hpp"

namespace kvctl {
namespace {

using kv::client::kv_client;

// The reply's "value": a number is a JSON string and prints as its text, a set or hash as JSON.
void print_operation_reply(const invocation& args, const std::string& reply) {
  if (args.json) return print_line(reply);
  const auto body = nlohmann::json::parse(reply, nullptr, false);
  if (body.is_discarded() || !body.contains("value")) {
    throw std::runtime_error("unexpected reply from the server: " + reply);
  }
  const auto& value = body["value"];
  print_line(value.is_string() ? value.get<std::string>() : value.dump());
}

int operate(const invocation& args, std::string_view op, const std::string& body) {
  return with_client(args, [&](kv_client& client) {
    print_operation_reply(args, client.operate(args.key, op, body, args.if_version, args.type));
    return exit_ok;
  });
}

std::string string_array(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump();
}

}  // namespace

int incr_command(const invocation& args) {
  return operate(args, "incr", args.items.empty() ? "" : args.items.front());
}

int sadd_command(const invocation& args) {
  return operate(args, "sadd", string_array(args.items));
}

int srem_command(const invocation& args) {
  return operate(args, "srem", string_array(args.items));
}

int hset_command(const invocation& args) {
  nlohmann::json fields = nlohmann::json::object();
  for (std::size_t i = 0; i + 1 < args.items.size(); i += 2) {
    fields[args.items[i]] = args.items[i + 1];
  }
  return operate(args, "hset", fields.dump());
}

int hdel_command(const invocation& args) {
  return operate(args, "hdel", string_array(args.items));
}

int hget_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const std::string& field = args.items.front();
    const auto value = client.get_field(args.key, field);
    if (!value) {
      print_error(missing_key_message(args.key));
      return exit_failed;
    }
    if (args.json) {
      print_json({{"key", args.key}, {"field", field}, {"value", *value}});
    } else {
      std::cout.write(value->data(), static_cast<std::streamsize>(value->size()));
      flush_stdout();
    }
    return exit_ok;
  });
}

int smembers_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto found = client.get(args.key);
    if (!found) {
      print_error(missing_key_message(args.key));
      return exit_failed;
    }
    if (found->type != "set") {
      print_error("key " + quoted(args.key) + " holds a value of type " + found->type +
                  ", not set");
      return exit_failed;
    }
    if (args.json) {
      print_line(found->value);
      return exit_ok;
    }
    const auto members = nlohmann::json::parse(found->value, nullptr, false);
    if (!members.is_array()) {
      throw std::runtime_error("unexpected reply from the server: a set that is not an array");
    }
    std::string lines;
    for (const auto& member : members) lines += member.get<std::string>() + '\n';
    std::cout << lines;
    flush_stdout();
    return exit_ok;
  });
}

int sismember_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto member = client.is_member(args.key, args.items.front());
    if (!member) {
      print_error(missing_key_message(args.key));
      return exit_failed;
    }
    if (args.json) {
      print_json({{"member", *member}});
    } else {
      print_line(*member ? "true" : "false");
    }
    return *member ? exit_ok : exit_failed;
  });
}

}  // namespace kvctl
