// Typed values and atomic operations over HTTP (contract section 7) against a real kvnode: each
// type's PUT and GET, X-Kv-Type, field and member reads, incr/sadd/srem/hset/hdel with their
// exact answers, refusals that write nothing, batches, listings and the change feed.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/watch_events.hpp"

namespace kvtest {
namespace {

class TypedValuesTest : public SharedNodeTest<TypedValuesTest> {
 protected:
  Reply put_typed(const std::string& key, const std::string& type, const std::string& body,
                  const std::string& more = "") {
    return kv().put(key_path(key) + "?type=" + type + more, body);
  }
  Reply operate(const std::string& key, const std::string& op, const std::string& body,
                const std::string& more = "") {
    return kv().post_json(key_path(key) + "?op=" + op + more, body);
  }
};

nlohmann::json op_reply(const std::string& key, std::uint64_t version, const std::string& type,
                        const nlohmann::json& value) {
  return {{"key", key}, {"version", version}, {"type", type}, {"value", value}};
}

TEST_F(TypedValuesTest, EachTypeIsStoredAndPrintedInItsForm) {
  struct Case {
    std::string type, written, printed;
  };
  const std::vector<Case> cases = {
      {"bytes", "raw \x01 bytes", "raw \x01 bytes"},
      {"int", "-9223372036854775808", "-9223372036854775808"},
      {"uint", "18446744073709551615", "18446744073709551615"},
      {"float", "-1e3", "-1000"},
      {"float", "0.30000000000000004", "0.30000000000000004"},
      {"set", R"(["b","a","b","caf\u00e9"])", "[\"a\",\"b\",\"caf\xC3\xA9\"]"},
      {"hash", R"({"z":"1","a":""})", R"({"a":"","z":"1"})"},
      {"hash", "{}", "{}"},
      {"json", R"( {"n": [1, 2.5, null], "s": "x"} )", R"({"n":[1,2.5,null],"s":"x"})"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string key = test_key(numbered("k", i++));
    ASSERT_TRUE(IsWriteReply(put_typed(key, c.type, c.written), key, 1, true)) << c.type;
    EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), c.type, c.printed, 1));
    const Reply head = kv().head_key(key);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("X-Kv-Type"), c.type);
    EXPECT_EQ(head.header("Content-Type"), kv().get_key(key).header("Content-Type"));
    EXPECT_EQ(head.body, "");
  }
}

TEST_F(TypedValuesTest, PlainWritesAreBytesAndSayTheirType) {
  const std::string key = test_key("plain");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "12"), key, 1, true));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "bytes", "12", 1));
  // A later PUT without ?type= makes a typed key plain again, as a new value would.
  ASSERT_EQ(put_typed(key, "int", "12").status, 200);
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "int", "12", 2));
  ASSERT_EQ(kv().put_key(key, "12").status, 200);
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "bytes", "12", 3));
}

TEST_F(TypedValuesTest, ValuesThatDoNotParseAsTheirTypeAreRefusedAndWriteNothing) {
  const std::string key = test_key("refused");
  const std::vector<std::pair<std::string, std::string>> bad = {{"int", "1.5"},
                                                                {"int", "9223372036854775808"},
                                                                {"uint", "-1"},
                                                                {"float", "nan"},
                                                                {"float", "inf"},
                                                                {"float", "1e999"},
                                                                {"set", R"(["a",1])"},
                                                                {"set", R"({"a":"b"})"},
                                                                {"hash", R"({"a":1})"},
                                                                {"json", "{"},
                                                                {"int", ""},
                                                                {"hash", R"(["a"])"}};
  for (const auto& [type, body] : bad) {
    EXPECT_TRUE(IsErrorReply(put_typed(key, type, body), 400, "bad_request")) << type << body;
  }
  EXPECT_TRUE(IsErrorReply(put_typed(key, "integer", "1"), 400, "bad_request"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(TypedValuesTest, FieldAndMemberReads) {
  const std::string hash = test_key("hash");
  const std::string set = test_key("set");
  ASSERT_EQ(put_typed(hash, "hash", R"({"name":"caf\u00e9","empty":""})").status, 200);
  ASSERT_EQ(put_typed(set, "set", R"(["x","y z"])").status, 200);

  const Reply field = kv().get(key_path(hash) + "?field=name");
  EXPECT_EQ(field.status, 200);
  EXPECT_EQ(field.body, "caf\xC3\xA9");
  EXPECT_EQ(kv().get(key_path(hash) + "?field=empty").body, "");
  EXPECT_TRUE(IsErrorReply(kv().get(key_path(hash) + "?field=nope"), 404, "not_found",
                           "no field `nope` in key `" + hash + "`"));
  EXPECT_EQ(kv().head(key_path(hash) + "?field=name").status, 200);

  EXPECT_TRUE(IsJsonReply(kv().get(key_path(set) + "?member=y%20z"), 200, {{"member", true}}));
  EXPECT_TRUE(IsJsonReply(kv().get(key_path(set) + "?member=y"), 200, {{"member", false}}));

  EXPECT_TRUE(IsErrorReply(kv().get(key_path(set) + "?field=x"), 409, "wrong_type"));
  EXPECT_TRUE(IsErrorReply(kv().get(key_path(hash) + "?member=x"), 409, "wrong_type"));
  const std::string missing = test_key("missing");
  EXPECT_TRUE(IsMissingKeyReply(kv().get(key_path(missing) + "?field=x"), missing));
  EXPECT_TRUE(IsMissingKeyReply(kv().get(key_path(missing) + "?member=x"), missing));
}

TEST_F(TypedValuesTest, IncrAnswersTheNewValueAndCreatesMissingKeys) {
  const std::string key = test_key("counter");
  EXPECT_TRUE(IsJsonReply(operate(key, "incr", ""), 200, op_reply(key, 1, "int", "1")));
  EXPECT_TRUE(IsJsonReply(operate(key, "incr", "-5"), 200, op_reply(key, 2, "int", "-4")));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "int", "-4", 2));

  const std::string unsigned_key = test_key("unsigned");
  EXPECT_TRUE(IsErrorReply(operate(unsigned_key, "incr", "-1", "&type=uint"), 400, "bad_request"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(unsigned_key), unsigned_key));
  EXPECT_TRUE(IsJsonReply(operate(unsigned_key, "incr", "18446744073709551615", "&type=uint"), 200,
                          op_reply(unsigned_key, 1, "uint", "18446744073709551615")));
  EXPECT_TRUE(IsErrorReply(operate(unsigned_key, "incr", "1"), 400, "bad_request"));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(unsigned_key), "uint", "18446744073709551615", 1));

  const std::string real = test_key("real");
  EXPECT_TRUE(IsJsonReply(operate(real, "incr", "0.1", "&type=float"), 200,
                          op_reply(real, 1, "float", "0.1")));
  EXPECT_TRUE(IsJsonReply(operate(real, "incr", "0.2"), 200,
                          op_reply(real, 2, "float", "0.30000000000000004")));
  EXPECT_TRUE(IsErrorReply(operate(real, "incr", "nan"), 400, "bad_request"));
}

TEST_F(TypedValuesTest, IncrStopsAtTheEdgesOfInt) {
  const std::string key = test_key("edge");
  ASSERT_EQ(put_typed(key, "int", "9223372036854775806").status, 200);
  EXPECT_TRUE(
      IsJsonReply(operate(key, "incr", ""), 200, op_reply(key, 2, "int", "9223372036854775807")));
  EXPECT_TRUE(IsErrorReply(operate(key, "incr", ""), 400, "bad_request"));
  EXPECT_TRUE(IsJsonReply(operate(key, "incr", "-18446744073709551615"), 200,
                          op_reply(key, 3, "int", "-9223372036854775808")));
  EXPECT_TRUE(IsErrorReply(operate(key, "incr", "-1"), 400, "bad_request"));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "int", "-9223372036854775808", 3));
}

TEST_F(TypedValuesTest, SetAndHashOperations) {
  const std::string set = test_key("set");
  EXPECT_TRUE(IsJsonReply(operate(set, "sadd", R"(["b","a","b"])"), 200,
                          op_reply(set, 1, "set", {"a", "b"})));
  EXPECT_TRUE(IsJsonReply(operate(set, "srem", R"(["a","b","zz"])"), 200,
                          op_reply(set, 2, "set", nlohmann::json::array())));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(set), "set", "[]", 2));  // an emptied set stays

  const std::string hash = test_key("hash");
  EXPECT_TRUE(IsJsonReply(operate(hash, "hset", R"({"f":"1","g":"2"})"), 200,
                          op_reply(hash, 1, "hash", {{"f", "1"}, {"g", "2"}})));
  EXPECT_TRUE(
      IsJsonReply(operate(hash, "hdel", R"(["f"])"), 200, op_reply(hash, 2, "hash", {{"g", "2"}})));
  EXPECT_TRUE(IsJsonReply(operate(hash, "hdel", R"(["g"])"), 200,
                          op_reply(hash, 3, "hash", nlohmann::json::object())));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(hash), "hash", "{}", 3));
}

TEST_F(TypedValuesTest, OperationsOnAnotherTypeAreWrongTypeAndChangeNothing) {
  const std::string key = test_key("text");
  ASSERT_EQ(kv().put_key(key, "hello").status, 200);
  for (const auto& [op, body] : std::vector<std::pair<std::string, std::string>>{
           {"incr", "1"}, {"sadd", R"(["a"])"}, {"hset", R"({"a":"b"})"}, {"hdel", R"(["a"])"}}) {
    EXPECT_TRUE(IsErrorReply(operate(key, op, body), 409, "wrong_type")) << op;
  }
  const std::string set = test_key("set");
  ASSERT_EQ(put_typed(set, "set", R"(["a"])").status, 200);
  EXPECT_TRUE(IsErrorReply(operate(set, "hset", R"({"a":"b"})"), 409, "wrong_type",
                           "key `" + set + "` holds a value of type set, not hash"));
  EXPECT_TRUE(IsErrorReply(operate(set, "incr", "1"), 409, "wrong_type"));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "bytes", "hello", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(set), "set", R"(["a"])", 1));
}

TEST_F(TypedValuesTest, BadOperationBodiesAreRefused) {
  const std::string key = test_key("bad");
  for (const auto& [op, body] :
       std::vector<std::pair<std::string, std::string>>{{"incr", "one"},
                                                        {"sadd", R"(["a",2])"},
                                                        {"sadd", R"("a")"},
                                                        {"hset", R"({"a":1})"},
                                                        {"hdel", R"({"a":"b"})"},
                                                        {"frob", "1"}}) {
    EXPECT_TRUE(IsErrorReply(operate(key, op, body), 400, "bad_request")) << op << " " << body;
  }
  EXPECT_TRUE(IsErrorReply(operate(key, "incr", "1", "&type=set"), 400, "bad_request"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(TypedValuesTest, OperationsHonourIfVersion) {
  const std::string key = test_key("cas");
  EXPECT_TRUE(IsErrorReply(operate(key, "incr", "1", "&if_version=3"), 409, "conflict",
                           "key `" + key + "` does not exist"));
  EXPECT_TRUE(
      IsJsonReply(operate(key, "incr", "1", "&if_version=0"), 200, op_reply(key, 1, "int", "1")));
  EXPECT_TRUE(IsErrorReply(operate(key, "incr", "1", "&if_version=0"), 409, "conflict",
                           "key `" + key + "` already exists"));
  EXPECT_TRUE(
      IsJsonReply(operate(key, "incr", "1", "&if_version=1"), 200, op_reply(key, 2, "int", "2")));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(key), "int", "2", 2));
}

TEST_F(TypedValuesTest, BatchStoresNonStringJsonAsJson) {
  const std::string text = test_key("text");
  const std::string number = test_key("number");
  const std::string object = test_key("object");
  EXPECT_TRUE(IsJsonReply(
      kv().post_batch({{text, "5"}, {number, 5}, {object, {{"b", true}, {"a", nullptr}}}}), 200,
      {{"written", 3}}));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(text), "bytes", "5", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(number), "json", "5", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(object), "json", R"({"a":null,"b":true})", 1));
}

TEST_F(TypedValuesTest, ListingsWithValuesNameTheTypeOfTypedItems) {
  const std::string prefix = test_key("");
  ASSERT_EQ(kv().put_key(prefix + "a", "raw").status, 200);
  ASSERT_EQ(put_typed(prefix + "b", "int", "7").status, 200);
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"prefix", prefix}, {"values", "true"}}, &page));
  EXPECT_EQ(page["items"],
            nlohmann::json::parse(R"([{"key":")" + prefix + R"(a","value":"cmF3","version":1},)" +
                                  R"({"key":")" + prefix + R"(b","value":"Nw==","version":1,)" +
                                  R"("type":"int"}])"));
}

TEST_F(TypedValuesTest, EachTypedWriteIsOneEventWithItsTypeAndPrintedValue) {
  const std::string key = test_key("events");
  ASSERT_EQ(put_typed(key, "set", R"(["b"])").status, 200);
  ASSERT_EQ(operate(key, "sadd", R"(["a"])").status, 200);
  ASSERT_EQ(operate(key, "sadd", R"(["a",1])").status, 400);  // no event
  ASSERT_EQ(kv().put_key(key, "plain").status, 200);
  const auto events = retained_events(node(), key, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "set");
  EXPECT_EQ(events[0]["value"], base64_encode(R"(["b"])"));
  EXPECT_EQ(events[1]["type"], "set");
  EXPECT_EQ(events[1]["value"], base64_encode(R"(["a","b"])"));
  EXPECT_EQ(events[1]["version"], 2);
  EXPECT_EQ(events[1]["seq"].get<int>(), events[0]["seq"].get<int>() + 1);
  EXPECT_FALSE(events[2].contains("type"));
  EXPECT_EQ(events[2]["value"], base64_encode("plain"));
}

TEST(TypedValueLimitTest, AnOperationWhoseResultIsOverTheValueLimitWritesNothing) {
  TempDir config_dir;
  NodeProcess node(
      {"--config", config_dir.write_file("kvnode.toml", "[limits]\nmax_value_bytes = 16\n")});
  std::string error;
  ASSERT_TRUE(node.start(&error)) << error;
  KvClient client(node.host(), node.http_port());
  // ["aaaa","bbbb"] is 15 bytes: one more member would make the set 22.
  ASSERT_EQ(client.post_json(key_path("s") + "?op=sadd", R"(["aaaa","bbbb"])").status, 200);
  EXPECT_TRUE(IsErrorReply(client.post_json(key_path("s") + "?op=sadd", R"(["cccc"])"), 413,
                           "payload_too_large"));
  EXPECT_TRUE(IsTypedValueReply(client.get_key("s"), "set", R"(["aaaa","bbbb"])", 1));
  // The limit is on the stored text: this 16-byte float prints as 1.2345678901e+300.
  EXPECT_TRUE(IsErrorReply(client.put(key_path("j") + "?type=float", "1.2345678901e300"), 413,
                           "payload_too_large"));
  EXPECT_TRUE(IsMissingKeyReply(client.get_key("j"), "j"));
}

}  // namespace
}  // namespace kvtest
