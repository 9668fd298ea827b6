// Which paths each dialect takes over, and the bounded metrics label each gets.
#include "transports/http/dialects/dialect_routes.hpp"

#include <gtest/gtest.h>

namespace kv::http::dialects {
namespace {

std::optional<enum route> label_of(dialect id, std::string_view path) {
  const auto owned = dialect_route_for(id, path);
  if (!owned) return std::nullopt;
  return owned->label;
}

TEST(DialectRoutesTest, KvactorTakesNothingOver) {
  for (const auto path : {"/", "/get/a", "/set", "/search", "/v1/keys/a", "/v1/ping"}) {
    EXPECT_FALSE(dialect_route_for(dialect::kvactor, path)) << path;
  }
}

TEST(DialectRoutesTest, BernataTakesItsKeyRouteProbesAndRoot) {
  EXPECT_EQ(label_of(dialect::bernata, "/v1/keys/a%252Fb"), route::key);
  EXPECT_EQ(label_of(dialect::bernata, "/v1/keys/"), route::key);
  EXPECT_EQ(label_of(dialect::bernata, "/v1/ping"), route::ping);
  EXPECT_EQ(label_of(dialect::bernata, "/v1/readiness"), route::readiness);
  EXPECT_EQ(label_of(dialect::bernata, "/"), route::compat_dump);
  for (const auto path : {"/v1/keys", "/get/a", "/set", "/search", "/v1/info", "/metrics"}) {
    EXPECT_FALSE(dialect_route_for(dialect::bernata, path)) << path;
  }
}

TEST(DialectRoutesTest, ImporthumanTakesTheCompatibilityRoutes) {
  EXPECT_EQ(label_of(dialect::importhuman, "/get/a"), route::compat_get);
  EXPECT_EQ(label_of(dialect::importhuman, "/set"), route::compat_set);
  EXPECT_EQ(label_of(dialect::importhuman, "/search"), route::compat_search);
  EXPECT_EQ(label_of(dialect::importhuman, "/"), route::compat_dump);
  for (const auto path : {"/v1/keys/a", "/v1/ping", "/v1/readiness", "/set/"}) {
    EXPECT_FALSE(dialect_route_for(dialect::importhuman, path)) << path;
  }
}

TEST(DialectRoutesTest, AgathemmanuelTakesTheCompatibilityRoutesAndTheirTrailingSlashes) {
  EXPECT_EQ(label_of(dialect::agathemmanuel, "/get/a"), route::compat_get);
  EXPECT_EQ(label_of(dialect::agathemmanuel, "/set"), route::compat_set);
  EXPECT_EQ(label_of(dialect::agathemmanuel, "/set//"), route::compat_set);
  EXPECT_EQ(label_of(dialect::agathemmanuel, "/search/"), route::compat_search);
  EXPECT_EQ(label_of(dialect::agathemmanuel, "/"), route::compat_dump);
  for (const auto path : {"/settings", "/v1/keys/a", "/v1/ping", "/metrics"}) {
    EXPECT_FALSE(dialect_route_for(dialect::agathemmanuel, path)) << path;
  }
}

}  // namespace
}  // namespace kv::http::dialects
