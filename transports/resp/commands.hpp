// The commands of the RESP port (contract section 12): their names, arities and key positions
// as Redis's COMMAND reports them, and the handlers that turn each into store calls.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kv::resp {

class connection;

struct command_call {
  connection& conn;
  const std::vector<std::string_view>& args;
};

struct command_spec {
  std::string_view name;  // lower case, as COMMAND lists it
  // Redis's convention: N exactly N arguments (the name included), -N at least N.
  int arity;
  std::string_view flags;  // space-separated, as COMMAND lists them
  int first_key;
  int last_key;  // -1: the last argument
  int key_step;
  void (*run)(command_call& call);
  bool before_auth = false;           // allowed before AUTH when tokens are on
  bool when_subscribed = false;       // allowed while the connection has subscriptions
  bool controls_transaction = false;  // runs at once inside MULTI instead of being queued
};

std::span<const command_spec> command_table();
// The command of a name in any case, or null.
const command_spec* find_command(std::string_view name);
// Its index in command_table() (for the metrics).
std::size_t command_index(const command_spec& spec);

}  // namespace kv::resp
