// kvctl's commands: each asks the node through kv::client::kv_client and prints the result; one
// wrapper turns every failure into a single "ERROR: ..." line on stderr and exit status 1.
#include "bin/kvctl_commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bin/kvctl_output.hpp"
#include "client/kv_client.hpp"
#include "core/base64.hpp"

namespace kvctl {
namespace {

using kv::client::kv_client;

// Values are arbitrary bytes: read with read(2), not through a text stream.
std::string read_all_stdin() {
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t count = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (count > 0) {
      data.append(buffer, static_cast<std::size_t>(count));
    } else if (count == 0) {
      return data;
    } else if (errno != EINTR) {
      throw std::runtime_error(std::string("cannot read stdin: ") + std::strerror(errno));
    }
  }
}

std::string describe(const kv::client::put_result& result) {
  if (result.created) {
    return "created " + quoted(result.key) + " at version " + std::to_string(result.version);
  }
  return "updated " + quoted(result.key) + " to version " + std::to_string(result.version);
}

std::string describe(const kv::client::erase_result& result) {
  if (result.deleted) return "deleted " + quoted(result.key);
  return "no key " + quoted(result.key) + "; nothing deleted";
}

std::string keys_as_lines(const std::vector<std::string>& keys) {
  std::string lines;
  for (const auto& key : keys) lines += key + '\n';
  return lines;
}

}  // namespace

kv::client::endpoint node_of(const invocation& args) {
  kv::client::endpoint node = kv::client::parse_url(args.url);
  node.bearer_token = args.token;
  node.ca_file = args.cacert;
  node.cert_file = args.cert;
  node.key_file = args.key_file;
  return node;
}

std::chrono::milliseconds timeout_of(const invocation& args) {
  // Rounded up, so that a tiny time-out is not zero (which would fail at once).
  return std::chrono::ceil<std::chrono::milliseconds>(
      std::chrono::duration<double>(args.timeout_seconds));
}

int get_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto found = client.get(args.key);
    if (!found) {
      print_error(missing_key_message(args.key));
      return exit_failed;
    }
    if (args.json) {
      nlohmann::json document = {{"key", args.key},
                                 {"value", kv::base64_encode(found->value)},
                                 {"version", found->version}};
      // As in listings and events, no "type" means bytes.
      if (found->type != "bytes") document["type"] = found->type;
      print_json(document);
    } else {
      std::cout.write(found->value.data(), static_cast<std::streamsize>(found->value.size()));
      flush_stdout();
    }
    return exit_ok;
  });
}

int put_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto result = client.put(args.key, args.value ? *args.value : read_all_stdin(),
                                   args.if_version, args.type, args.ttl_seconds);
    if (args.json) {
      print_json({{"key", result.key}, {"version", result.version}, {"created", result.created}});
    } else {
      print_line(describe(result));
    }
    return exit_ok;
  });
}

int delete_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto result = client.erase(args.key, args.if_version);
    if (args.json) {
      print_json({{"key", result.key}, {"deleted", result.deleted}});
    } else {
      print_line(describe(result));
    }
    return exit_ok;
  });
}

int search_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto keys = client.search(args.prefix, args.suffix);
    if (args.json) {
      print_json(keys);
    } else {
      std::cout << keys_as_lines(keys);
      flush_stdout();
    }
    return exit_ok;
  });
}

int ping_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    client.ping();
    if (args.json) {
      print_json({{"status", "ok"}});
    } else {
      print_line("ok");
    }
    return exit_ok;
  });
}

int info_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto info = nlohmann::json::parse(client.info(), nullptr, false);
    if (info.is_discarded()) {
      throw std::runtime_error("unexpected reply from the server: /v1/info is not JSON");
    }
    // People get it indented; scripts get one line.
    print_line(args.json ? info.dump() : info.dump(2));
    return exit_ok;
  });
}

}  // namespace kvctl
