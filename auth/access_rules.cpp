// Prefix matching of token rules and the lookup of a presented token among the loaded ones.
#include "auth/access_rules.hpp"

#include <algorithm>

namespace kv::auth {
namespace {

bool any_rule(const std::vector<access_rule>& rules, std::string_view key, bool for_write) {
  return std::any_of(rules.begin(), rules.end(), [&](const access_rule& rule) {
    return key.starts_with(rule.prefix) && (!for_write || rule.access == access::write);
  });
}

}  // namespace

bool token_grant::may_read(std::string_view key) const {
  return any_rule(rules, key, false);
}

bool token_grant::may_write(std::string_view key) const {
  return any_rule(rules, key, true);
}

bool token_grant::may_read_metrics() const {
  return may_read("metrics");
}

bool token_grant::may_read_everything() const {
  return may_read("");
}

bool token_grant::may_write_everything() const {
  return may_write("");
}

const token_grant* token_set::find(std::string_view presented) const {
  return find_digest(sha256_of(presented));
}

const token_grant* token_set::find_digest(const token_digest& digest) const {
  const token_grant* found = nullptr;
  for (const auto& grant : grants_) {
    if (same_digest(grant.digest, digest) && found == nullptr) found = &grant;
  }
  return found;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c) != scheme[i]) return std::nullopt;
  }
  std::string_view token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace kv::auth
