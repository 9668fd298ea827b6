// isnastish's kvs service as its clients see it (dialects.md section 5): the exact requests of
// its Python client (aiohttp) and what that client and the Go client parse of the answers, on
// /kvs/v1-0-0/... Each typed key space is a key prefix that the native API reads and writes.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

class DialectIsnastishTest : public SharedNodeTest<DialectIsnastishTest> {
 protected:
  // What aiohttp sends: puts carry str(value) as text/plain, incr/hello/fibo an empty
  // octet-stream body, gets and deletes no body and no Content-Type.
  std::string kvs_request(const std::string& method, const std::string& path,
                          const std::optional<std::string>& text_body = std::nullopt,
                          const std::string& content_type = "text/plain; charset=utf-8") {
    std::string request = method + " /kvs/v1-0-0/" + path +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(node().http_port()) +
                          "\r\nuser-agent: kvs-client\r\nAccept: */*\r\nAccept-Encoding: gzip, "
                          "deflate\r\n";
    if (text_body) {
      request += "Content-Length: " + std::to_string(text_body->size()) +
                 "\r\nContent-Type: " + content_type + "\r\n\r\n" + *text_body;
    } else {
      request += "\r\n";
    }
    return request;
  }

  RawResponse send(const std::string& request) {
    RawConnection connection(node().host(), node().http_port());
    EXPECT_TRUE(connection.connected());
    EXPECT_TRUE(connection.send(request));
    return connection.read_response(false);
  }

  RawResponse put(const std::string& path, const std::string& body) {
    return send(kvs_request("PUT", path, body));
  }
  RawResponse get(const std::string& path) { return send(kvs_request("GET", path)); }
  RawResponse del(const std::string& path) { return send(kvs_request("DELETE", path)); }
  RawResponse incr(const std::string& path, const std::string& body = "") {
    return send(kvs_request("PUT", path, body, "application/octet-stream"));
  }

  // Keys are [0-9A-Za-z_]+: the test's name and a suffix.
  std::string key(const std::string& suffix) { return current_test_name() + "_" + suffix; }
};

bool has_header_line(const RawResponse& response, const std::string& line) {
  return response.head.find("\r\n" + line + "\r\n") != std::string::npos;
}

// The Python client's error: the status, and the text it strips and prints.
void expect_go_error(const RawResponse& response, int status, const std::string& message) {
  EXPECT_EQ(response.status, status) << response.head;
  EXPECT_TRUE(has_header_line(response, "Content-Type: text/plain; charset=utf-8"))
      << response.head;
  EXPECT_TRUE(has_header_line(response, "X-Content-Type-Options: nosniff")) << response.head;
  EXPECT_EQ(response.body, message + "\n");
}

TEST_F(DialectIsnastishTest, IntegerStorageAsTestIntegerStorageUsesIt) {
  const std::string k = key("int");
  EXPECT_EQ(put("int-put/" + k, "999997").status, 200);
  const RawResponse got = get("int-get/" + k);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "999997");
  const RawResponse deleted = del("int-del/" + k);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_TRUE(has_header_line(deleted, "Deleted: true")) << deleted.head;
  expect_go_error(get("int-get/" + k), 404, "Key " + k + " not found");
  EXPECT_FALSE(has_header_line(del("int-del/" + k), "Deleted: true"));
}

TEST_F(DialectIsnastishTest, IntegersAreInt32WithStrconvErrors) {
  const std::string k = key("i");
  EXPECT_EQ(put("int-put/" + k, "-2147483648").status, 200);
  EXPECT_EQ(get("int-get/" + k).body, "-2147483648");
  expect_go_error(put("int-put/" + k, "2147483648"), 500,
                  R"(strconv.ParseInt: parsing "2147483648": value out of range)");
  expect_go_error(put("int-put/" + k, "1.5"), 500,
                  R"(strconv.ParseInt: parsing "1.5": invalid syntax)");
  EXPECT_EQ(get("int-get/" + k).body, "-2147483648");
}

TEST_F(DialectIsnastishTest, IncrAnswersThePreviousValueAsTheGoClientExpects) {
  const std::string k = key("counter");
  // TestIntIncr: 0 for the absent key, then 1, 2, ...
  for (int expected = 0; expected < 5; ++expected) {
    const RawResponse reply = incr("int-incr/" + k);
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(has_header_line(reply, "Content-Type: application/octet-stream")) << reply.head;
    EXPECT_EQ(reply.body, std::to_string(expected));
  }
  EXPECT_EQ(get("int-get/" + k).body, "5");
  // TestIntIncBy: 0 for the absent key, which becomes the amount; then 64.
  const std::string by = key("by");
  EXPECT_EQ(incr("int-incrby/" + by, "64").body, "0");
  EXPECT_EQ(incr("int-incrby/" + by, "64").body, "64");
  EXPECT_EQ(get("int-get/" + by).body, "128");
  expect_go_error(incr("int-incrby/" + by, "x"), 500,
                  R"(strconv.ParseInt: parsing "x": invalid syntax)");
}

TEST_F(DialectIsnastishTest, IncrWrapsAroundInt32) {
  const std::string k = key("wrap");
  ASSERT_EQ(put("int-put/" + k, "2147483647").status, 200);
  EXPECT_EQ(incr("int-incr/" + k).body, "2147483647");
  EXPECT_EQ(get("int-get/" + k).body, "-2147483648");
}

TEST_F(DialectIsnastishTest, FloatsReadBackAsPercentEOfTheFloat32) {
  const std::string k = key("pi");
  EXPECT_EQ(put("float-put/" + k, "3.14159").status, 200);
  const RawResponse got = get("float-get/" + k);
  EXPECT_EQ(got.status, 200);
  // float(body) must give exactly 3.14159 back (test_float_storage).
  EXPECT_EQ(got.body, "3.141590e+00");
  EXPECT_EQ(put("float-put/" + k, "1e-7").status, 200);
  EXPECT_EQ(get("float-get/" + k).body, "1.000000e-07");
  expect_go_error(
      put("float-put/" + k, "pi"), 500,
      R"(float storage: failed to parse float strconv.ParseFloat: parsing "pi": invalid syntax)");
  EXPECT_TRUE(has_header_line(del("float-del/" + k), "Deleted: true"));
}

TEST_F(DialectIsnastishTest, StringsAreRawTextPlain) {
  const std::string k = key("str");
  const std::string value = "aGVsbG8gd29ybGQ=";  // test_str_storage stores base64 text
  EXPECT_EQ(put("str-put/" + k, value).status, 200);
  const RawResponse got = get("str-get/" + k);
  EXPECT_EQ(got.status, 200);
  EXPECT_TRUE(has_header_line(got, "Content-Type: text/plain")) << got.head;
  EXPECT_EQ(got.body, value);
  EXPECT_TRUE(has_header_line(del("str-del/" + k), "Deleted: true"));
  expect_go_error(get("str-get/" + k), 404, "Key " + k + " not found");
}

TEST_F(DialectIsnastishTest, MapsReadBackAsSortedGoJson) {
  const std::string k = key("map");
  // dict_put sends the dict as Py-JSON.
  EXPECT_EQ(put("map-put/" + k, R"({"zeta": "<z>", "alpha": "caf\u00e9", "m": "a&b"})").status,
            200);
  const RawResponse got = get("map-get/" + k);
  EXPECT_EQ(got.status, 200);
  EXPECT_TRUE(has_header_line(got, "Content-Type: application/octet-stream")) << got.head;
  EXPECT_EQ(got.body,
            "{\"alpha\":\"caf\xc3\xa9\",\"m\":\"a\\u0026b\",\"zeta\":\"\\u003cz\\u003e\"}");
  expect_go_error(put("map-put/" + k, "[1]"), 500,
                  "json: cannot unmarshal array into Go value of type map[string]string");
  expect_go_error(put("map-put/" + k, R"({"a": 1})"), 500,
                  "json: cannot unmarshal number into Go value of type string");
}

TEST_F(DialectIsnastishTest, ABigDictRoundTrips) {
  const std::string k = key("big");
  nlohmann::json dict = nlohmann::json::object();
  for (int i = 0; i < 720; ++i) dict["key_" + std::to_string(i)] = "value_" + std::to_string(i);
  EXPECT_EQ(put("map-put/" + k, dict.dump()).status, 200);
  EXPECT_EQ(nlohmann::json::parse(get("map-get/" + k).body), dict);
}

TEST_F(DialectIsnastishTest, UintsAreUint32WithTheirOwnMessages) {
  const std::string k = key("u");
  EXPECT_EQ(put("uint/put/" + k, "4294967295").status, 200);
  EXPECT_EQ(get("uint/get/" + k).body, "4294967295");
  expect_go_error(
      put("uint/put/" + k, "-1"), 500,
      R"(uint storage: Failed to parse the value strconv.ParseUint: parsing "-1": invalid syntax)");
  const RawResponse deleted = del("uint/del/" + k);
  EXPECT_TRUE(has_header_line(deleted, "Deleter: true")) << deleted.head;
  EXPECT_TRUE(has_header_line(deleted, "Deleted: true")) << deleted.head;
  expect_go_error(get("uint/get/" + k), 404, "uint storage: Key " + k + " not found");
}

TEST_F(DialectIsnastishTest, KeySpacesAreSeparateFromEachOtherAndFromPlainKeys) {
  const std::string k = key("same");
  ASSERT_EQ(put("int-put/" + k, "7").status, 200);
  ASSERT_EQ(put("str-put/" + k, "seven").status, 200);
  ASSERT_TRUE(IsWriteReply(kv().put_key(k, "plain"), k, 1, true));
  EXPECT_EQ(get("int-get/" + k).body, "7");
  EXPECT_EQ(get("str-get/" + k).body, "seven");
  expect_go_error(get("float-get/" + k), 404, "Key " + k + " not found");
  EXPECT_TRUE(IsValueReply(kv().get_key(k), "plain", 1));
  // DELETE /del/{key} removes it from one key space at a time.
  EXPECT_TRUE(has_header_line(del("del/" + k), "Deleted: true"));
  EXPECT_TRUE(has_header_line(del("del/" + k), "Deleted: true"));
  EXPECT_FALSE(has_header_line(del("del/" + k), "Deleted: true"));
  EXPECT_TRUE(IsValueReply(kv().get_key(k), "plain", 1));
}

TEST_F(DialectIsnastishTest, TypedKeysAreNativeTypedValuesAndTheOtherWayRound) {
  const std::string k = key("native");
  ASSERT_EQ(put("int-put/" + k, "42").status, 200);
  EXPECT_TRUE(IsTypedValueReply(kv().get_key("kvs/int/" + k), "int", "42", 1));
  ASSERT_EQ(put("float-put/" + k, "2.5").status, 200);
  EXPECT_TRUE(IsTypedValueReply(kv().get_key("kvs/float/" + k), "float", "2.5", 1));
  ASSERT_EQ(put("map-put/" + k, R"({"b": "2", "a": "1"})").status, 200);
  EXPECT_TRUE(IsTypedValueReply(kv().get_key("kvs/map/" + k), "hash", R"({"a":"1","b":"2"})", 1));
  ASSERT_EQ(kv().request("PUT", "/v1/keys/kvs/uint/" + k + "?type=uint", "9").status, 200);
  EXPECT_EQ(get("uint/get/" + k).body, "9");
  ASSERT_TRUE(IsWriteReply(kv().put_key("kvs/str/" + k, "native text"), "kvs/str/" + k, 1, true));
  EXPECT_EQ(get("str-get/" + k).body, "native text");
  ASSERT_EQ(put("uint/put/" + k, "4000000000").status, 200);
  EXPECT_TRUE(IsTypedValueReply(kv().get_key("kvs/uint/" + k), "uint", "4000000000", 2));
  ASSERT_EQ(put("str-put/" + k, "isnastish text").status, 200);
  EXPECT_TRUE(IsValueReply(kv().get_key("kvs/str/" + k), "isnastish text", 2));
  ASSERT_EQ(kv().request("PUT", "/v1/keys/kvs/float/" + k + "?type=float", "-1e3").status, 200);
  EXPECT_EQ(get("float-get/" + k).body, "-1.000000e+03");
  ASSERT_EQ(kv().request("PUT", "/v1/keys/kvs/map/" + k + "?type=hash", R"({"k":"v"})").status,
            200);
  EXPECT_EQ(get("map-get/" + k).body, R"({"k":"v"})");
  ASSERT_EQ(kv().request("POST", "/v1/keys/kvs/int/" + k + "?op=incr", "8").status, 200);
  EXPECT_EQ(incr("int-incr/" + k).body, "50");
  // A value of another type under a space's prefix is refused, not misread.
  ASSERT_TRUE(IsWriteReply(kv().put_key("kvs/float/" + k, "text"), "kvs/float/" + k, 3, false));
  EXPECT_EQ(get("float-get/" + k).status, 500);
}

TEST_F(DialectIsnastishTest, RemoteProcedures) {
  const RawResponse echo = send(kvs_request("POST", "echo", std::string("Hello, World")));
  EXPECT_EQ(echo.status, 200);
  EXPECT_TRUE(has_header_line(echo, "Content-Type: text/plain")) << echo.head;
  EXPECT_EQ(echo.body, "hELLO, wORLD");
  const RawResponse hello =
      send(kvs_request("POST", "hello", std::string(), "application/octet-stream"));
  EXPECT_EQ(hello.body, "Hello from kvs:v1-0-0 service!");
  const char* fibs[] = {"0", "1", "1", "2", "3", "5", "8", "13", "21", "34"};
  for (int n = 0; n < 10; ++n) {
    const RawResponse fibo = send(kvs_request("POST", "fibo?n=" + std::to_string(n), std::string(),
                                              "application/octet-stream"));
    EXPECT_EQ(fibo.status, 200);
    EXPECT_EQ(fibo.body, fibs[n]) << n;
  }
  EXPECT_EQ(send(kvs_request("POST", "fibo?n=x", std::string())).body, "0");
  expect_go_error(send(kvs_request("POST", "fibo", std::string())), 400,
                  "Invalid request syntax, {n} query parameter is not found");
}

TEST_F(DialectIsnastishTest, MuxAnswersForOtherPathsMethodsAndKeys) {
  expect_go_error(get("int-get/bad-key"), 404, "404 page not found");
  expect_go_error(get("int-get/a%2Fb"), 404, "404 page not found");
  expect_go_error(get("int-get/"), 404, "404 page not found");
  expect_go_error(get("nothing/here"), 404, "404 page not found");
  const RawResponse wrong = send(kvs_request("POST", "int-get/k", std::string()));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.body, "");
  const RawResponse slash = get("int-get/k/");
  EXPECT_EQ(slash.status, 301);
  EXPECT_TRUE(has_header_line(slash, "Location: /kvs/v1-0-0/int-get/k")) << slash.head;
}

}  // namespace
}  // namespace kvtest
