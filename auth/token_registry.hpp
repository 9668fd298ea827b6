// The tokens in force: read by every request on the reactor threads without a lock, replaced
// whole when SIGHUP re-reads the tokens file.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "auth/access_rules.hpp"

namespace kv::auth {

class token_registry {
 public:
  // Loads the file; throws token_file_error when it cannot be used.
  explicit token_registry(std::string path);

  std::shared_ptr<const token_set> current() const {
    return tokens_.load(std::memory_order_acquire);
  }

  // Re-reads the file. On success the new tokens apply to every later request and the result
  // is nullopt; otherwise the old tokens stay and the result says why.
  std::optional<std::string> reload();

  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::atomic<std::shared_ptr<const token_set>> tokens_;
};

}  // namespace kv::auth
