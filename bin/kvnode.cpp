// kvnode: one key-value node. Parses the command line and hands over to run_node.
#include <iostream>

#include "node/node.hpp"
#include "node/node_config.hpp"

int main(int argc, char** argv) {
  kv::command_line command;
  try {
    command = kv::parse_command_line(argc, argv);
  } catch (const kv::config_error& error) {
    std::cerr << "kvnode: " << error.what() << '\n';
    return 2;
  }
  if (command.what != kv::command_line::action::run) {
    std::cout << command.output;
    return 0;
  }
  return kv::run_node(command.config);
}
