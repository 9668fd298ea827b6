// kvnode: one key-value node. Parses the command line, loads the TLS files it names, and hands
// over to run_node.
#include <iostream>
#include <memory>

#include "node/node.hpp"
#include "node/node_config.hpp"
#include "transports/http/tls_context.hpp"

int main(int argc, char** argv) {
  kv::command_line command;
  std::shared_ptr<const kv::http::tls_context> tls;
  try {
    command = kv::parse_command_line(argc, argv);
    const kv::node_config& config = command.config;
    if (command.what == kv::command_line::action::run && !config.tls_cert_file.empty()) {
      tls = kv::http::tls_context::load(
          {config.tls_cert_file, config.tls_key_file, config.tls_client_ca_file});
    }
  } catch (const kv::config_error& error) {
    std::cerr << "kvnode: " << error.what() << '\n';
    return 2;
  } catch (const kv::http::tls_setup_error& error) {
    std::cerr << "kvnode: config " << error.what() << '\n';
    return 2;
  }
  if (command.what != kv::command_line::action::run) {
    std::cout << command.output;
    return 0;
  }
  return kv::run_node(command.config, std::move(tls));
}
