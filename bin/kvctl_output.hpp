// What every kvctl command that asks the node shares: the one-line errors, checked writes to
// stdout, and the wrapper that turns any failure into exit status 1.
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "bin/kvctl_commands.hpp"
#include "client/kv_client.hpp"

namespace kvctl {

inline void print_error(const std::string& message) {
  std::cerr << "ERROR: " << message << '\n';
}

inline std::string quoted(const std::string& key) {
  return "`" + key + "`";
}

// The same words as the node's not_found message, which old scripts match on.
inline std::string missing_key_message(const std::string& key) {
  return "no key " + quoted(key) + " found";
}

// Output goes through std::cout; a failed write (full disk, closed pipe) must not pass as
// success.
inline void flush_stdout() {
  std::cout.flush();
  if (!std::cout) throw std::runtime_error("cannot write to stdout");
}

inline void print_json(const nlohmann::json& document) {
  std::cout << document.dump() << '\n';
  flush_stdout();
}

inline void print_line(const std::string& line) {
  std::cout << line << '\n';
  flush_stdout();
}

// Runs `action` with a client for the node at args.url and returns its exit status; every
// failure becomes one line on stderr and exit status 1.
template <class Action>
int with_client(const invocation& args, Action action) {
  try {
    kv::client::kv_client client(node_of(args), timeout_of(args));
    return action(client);
  } catch (const kv::client::unreachable_error& error) {
    print_error("cannot reach " + args.url + ": " + error.what());
  } catch (const std::exception& error) {
    print_error(error.what());
  }
  return exit_failed;
}

}  // namespace kvctl
