// What one bearer token may do: read or write the keys under each of its prefixes. Pure data
// and matching, so the rules are tested without a server.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_hash.hpp"

namespace kv::auth {

enum class access { read, write };  // write implies read

struct access_rule {
  std::string prefix;
  enum access access = access::read;
};

struct token_grant {
  std::string name;  // for logs: the token itself is never logged
  token_digest digest{};
  std::vector<access_rule> rules;

  bool may_read(std::string_view key) const;
  bool may_write(std::string_view key) const;
  // /metrics: the token may read the key named "metrics" (a rule on prefix "metrics", or on
  // any shorter prefix of it such as "" for an administrator's token).
  bool may_read_metrics() const;
  // Every key there is: what the routes of the older services that do not name a store key
  // one by one need.
  bool may_read_everything() const;
  bool may_write_everything() const;
};

// Every token of one tokens file, as loaded; replaced whole on reload.
class token_set {
 public:
  explicit token_set(std::vector<token_grant> grants) : grants_(std::move(grants)) {}

  // The grant whose digest is the presented token's, compared in constant time against every
  // token so that how long the search takes says nothing about which token came close.
  const token_grant* find(std::string_view presented) const;
  // The same lookup by a digest, for a grant followed across a reload.
  const token_grant* find_digest(const token_digest& digest) const;
  std::size_t size() const { return grants_.size(); }

 private:
  std::vector<token_grant> grants_;
};

// The token of an "Authorization: Bearer TOKEN" header value; nullopt for any other scheme.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace kv::auth
