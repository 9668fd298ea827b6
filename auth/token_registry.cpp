// Loading and atomically replacing the token set.
#include "auth/token_registry.hpp"

#include "auth/token_file.hpp"

namespace kv::auth {

token_registry::token_registry(std::string path)
    : path_(std::move(path)), tokens_(load_token_file(path_)) {}

std::optional<std::string> token_registry::reload() {
  try {
    tokens_.store(load_token_file(path_), std::memory_order_release);
    return std::nullopt;
  } catch (const token_file_error& error) {
    return std::string(error.what());
  }
}

}  // namespace kv::auth
