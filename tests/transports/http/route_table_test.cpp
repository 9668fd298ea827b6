// HTTP route matching: templates, keys with slashes, and allowed methods.
#include "transports/http/route_table.hpp"

#include <gtest/gtest.h>

namespace kv::http {
namespace {

TEST(RouteTableTest, KeyRoutesTakeTheWholeRestOfThePath) {
  auto match = match_route("/v1/keys/a/b/c");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route, route::key);
  EXPECT_EQ(match->path_template, "/v1/keys/{key}");
  EXPECT_EQ(match->key, "a/b/c");
  match = match_route("/v1/keys/a%2Fb");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->key, "a%2Fb");
  match = match_route("/get/x");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route, route::compat_get);
  EXPECT_EQ(match->key, "x");
  match = match_route("/v1/keys/");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route, route::key);
  EXPECT_EQ(match->key, "");
}

TEST(RouteTableTest, ExactRoutes) {
  EXPECT_EQ(match_route("/v1/keys")->route, route::keys);
  EXPECT_EQ(match_route("/v1/watch")->route, route::watch);
  EXPECT_EQ(match_route("/v1/watch")->path_template, "/v1/watch");
  EXPECT_EQ(match_route("/v1/ping")->route, route::ping);
  EXPECT_EQ(match_route("/v1/readiness")->route, route::readiness);
  EXPECT_EQ(match_route("/v1/info")->route, route::info);
  EXPECT_EQ(match_route("/set")->route, route::compat_set);
  EXPECT_EQ(match_route("/search")->route, route::compat_search);
  EXPECT_EQ(match_route("/")->route, route::compat_dump);
}

TEST(RouteTableTest, UnknownPathsMatchNothing) {
  EXPECT_FALSE(match_route("/v1/pingx"));
  EXPECT_FALSE(match_route("/v2/keys/a"));
  EXPECT_FALSE(match_route("/v1"));
  EXPECT_FALSE(match_route("/set/x"));
  EXPECT_FALSE(match_route(""));
}

TEST(RouteTableTest, MethodsPerRoute) {
  EXPECT_TRUE(allows(route::key, method::del));
  EXPECT_FALSE(allows(route::key, method::other));
  EXPECT_TRUE(allows(route::keys, method::post));
  EXPECT_FALSE(allows(route::keys, method::del));
  EXPECT_FALSE(allows(route::compat_set, method::get));
  EXPECT_TRUE(allows(route::ping, method::head));
  EXPECT_EQ(allowed_methods(route::key), "GET, HEAD, PUT, POST, DELETE");
  EXPECT_EQ(allowed_methods(route::keys), "GET, POST");
  EXPECT_EQ(allowed_methods(route::compat_set), "POST");
  EXPECT_EQ(allowed_methods(route::watch), "GET");
}

}  // namespace
}  // namespace kv::http
