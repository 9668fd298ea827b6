// A long-lived stream's token grant that follows SIGHUP reloads: each time it is asked, the
// rules the same token has in the tokens in force, or nothing once a reload removed the token.
#pragma once

#include <memory>

#include "auth/access_rules.hpp"
#include "auth/token_registry.hpp"

namespace kv::auth {

class live_grant {
 public:
  // `grant` is the one the request authenticated with; it shares ownership of its token set.
  live_grant(std::shared_ptr<const token_registry> registry,
             std::shared_ptr<const token_grant> grant)
      : registry_(std::move(registry)), grant_(std::move(grant)) {}

  // Null once the token is no longer in the file. Not thread-safe: one stream, one caller.
  const token_grant* current();

 private:
  std::shared_ptr<const token_registry> registry_;
  std::shared_ptr<const token_grant> grant_;  // null once revoked
};

}  // namespace kv::auth
