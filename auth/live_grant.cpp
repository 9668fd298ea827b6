// Re-finding a stream's token by its digest after a reload replaced the token set.
#include "auth/live_grant.hpp"

namespace kv::auth {

const token_grant* live_grant::current() {
  if (grant_ == nullptr) return nullptr;
  auto in_force = registry_->current();
  // The grant shares ownership of the set it came from: the same owner means no reload since.
  if (!grant_.owner_before(in_force) && !in_force.owner_before(grant_)) return grant_.get();
  const token_grant* same_token = in_force->find_digest(grant_->digest);
  grant_ = same_token != nullptr
               ? std::shared_ptr<const token_grant>(std::move(in_force), same_token)
               : nullptr;
  return grant_.get();
}

}  // namespace kv::auth
