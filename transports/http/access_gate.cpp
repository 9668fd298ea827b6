// The 401 and 403 answers of token authentication. The token itself is never put in a
// message or a log line: only the token's name, which the tokens file gives it.
#include "transports/http/access_gate.hpp"

#include "transports/http/http_error.hpp"

namespace kv::http {
namespace {

[[noreturn]] void refuse(const exchange& ex, const std::string& what) {
  throw http_error{403, "forbidden", "token `" + ex.grant()->name + "` may not " + what};
}

}  // namespace

bool open_without_token(enum route route) {
  return route == route::ping || route == route::readiness;
}

void authenticate(const request& req, exchange& ex) {
  const auto& tokens = ex.context().options.tokens;
  if (!tokens) return;
  const auto header = req.header("Authorization");
  const auto presented = header ? auth::bearer_token(*header) : std::nullopt;
  if (presented) {
    auto set = tokens->current();
    if (const auto* grant = set->find(*presented)) {
      // Shares ownership of the whole set, so a reload never frees a grant in use.
      ex.set_grant(std::shared_ptr<const auth::token_grant>(std::move(set), grant));
      return;
    }
  }
  ex.add_header("WWW-Authenticate", R"(Bearer realm="kvactor")");
  throw http_error{401, "unauthorized",
                   presented ? "the bearer token is not valid"
                             : "this route needs an Authorization: Bearer TOKEN header"};
}

void require_read(const exchange& ex, std::string_view key) {
  if (ex.grant() != nullptr && !ex.grant()->may_read(key)) {
    refuse(ex, "read key `" + std::string(key) + "`");
  }
}

void require_write(const exchange& ex, std::string_view key) {
  if (ex.grant() != nullptr && !ex.grant()->may_write(key)) {
    refuse(ex, "write key `" + std::string(key) + "`");
  }
}

void require_everything(const exchange& ex, bool for_write) {
  if (ex.grant() == nullptr) return;
  if (for_write ? !ex.grant()->may_write_everything() : !ex.grant()->may_read_everything()) {
    refuse(ex, std::string(for_write ? "write" : "read") +
                   " every key, which this route of an older service needs");
  }
}

void require_metrics(const exchange& ex) {
  if (ex.grant() != nullptr && !ex.grant()->may_read_metrics()) {
    refuse(ex, "read /metrics (that needs a rule on prefix `metrics` or on a prefix of it)");
  }
}

}  // namespace kv::http
