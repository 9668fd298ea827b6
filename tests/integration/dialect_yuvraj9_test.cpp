// yuvraj9's Flask service as its clients see it (dialects.md section 4): the exact requests of
// its `kv` CLI (python-requests) on /kv, the exact bytes the CLI prints, and Engine.IO 4
// long-polling at /socket.io/ delivering each change as key_update. Keys written here are read
// through the native API and the other way round.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

class DialectYuvraj9Test : public SharedNodeTest<DialectYuvraj9Test> {
 protected:
  // What python-requests sends for requests.get/put(URL + "/kv", json=...): its headers in its
  // order, the body as Py-JSON.
  std::string kv_request(const std::string& method, const std::string& py_json_body) {
    return method + " /kv HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(node().http_port()) +
           "\r\nUser-Agent: python-requests/2.28.1\r\nAccept-Encoding: gzip, deflate\r\n"
           "Accept: */*\r\nConnection: keep-alive\r\nContent-Length: " +
           std::to_string(py_json_body.size()) + "\r\nContent-Type: application/json\r\n\r\n" +
           py_json_body;
  }

  RawResponse send(const std::string& request) {
    RawConnection connection(node().host(), node().http_port());
    EXPECT_TRUE(connection.connected());
    EXPECT_TRUE(connection.send(request));
    return connection.read_response(false);
  }

  // `kv get K` and `kv put K V` print response.text and a newline, whatever the status.
  std::string cli_output(const RawResponse& response) { return response.body + "\n"; }

  std::string polling(const std::string& sid = "") {
    return "/socket.io/?transport=polling&EIO=4&t=1764720000.123" +
           (sid.empty() ? std::string() : "&sid=" + sid);
  }

  RawResponse engineio(const std::string& method, const std::string& target,
                       const std::string& body = "") {
    return send(method + " " + target +
                " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(node().http_port()) +
                "\r\nUser-Agent: python-requests/2.28.1\r\nAccept: */*\r\nConnection: "
                "keep-alive\r\nContent-Type: text/plain\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  // A handshake and the namespace CONNECT, as python-socketio 5.7 does them; the session id.
  std::string connect_client() {
    const RawResponse open = engineio("GET", polling());
    EXPECT_EQ(open.status, 200) << open.head;
    std::smatch match;
    EXPECT_TRUE(std::regex_match(
        open.body, match,
        std::regex(
            R"re(0\{"sid":"([0-9A-Za-z_-]+)","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000\})re")))
        << open.body;
    const std::string sid = match.size() > 1 ? match[1].str() : "";
    const RawResponse connect = engineio("POST", polling(sid), "40{}");
    EXPECT_EQ(connect.status, 200);
    EXPECT_EQ(connect.body, "OK");
    const RawResponse ack = engineio("GET", polling(sid));
    EXPECT_EQ(ack.status, 200);
    EXPECT_TRUE(std::regex_match(ack.body, std::regex(R"(40\{"sid":"[0-9A-Za-z_-]+"\})")))
        << ack.body;
    return sid;
  }
};

bool has_header_line(const RawResponse& response, const std::string& line) {
  return response.head.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST_F(DialectYuvraj9Test, PutThenGetPrintExactlyWhatTestPyExpects) {
  const std::string key = current_test_name() + "_key1";
  const RawResponse put =
      send(kv_request("PUT", R"({"key": ")" + key + R"(", "value": "value1"})"));
  EXPECT_EQ(put.status, 200) << put.head;
  EXPECT_TRUE(has_header_line(put, "Content-Type: application/json")) << put.head;
  EXPECT_EQ(cli_output(put), "{\"" + key + "\": \"value1\"}\n\n");
  const RawResponse get = send(kv_request("GET", R"({"key": ")" + key + R"("})"));
  EXPECT_EQ(get.status, 200) << get.head;
  EXPECT_EQ(cli_output(get), "{\"value\": \"value1\"}\n\n");
}

TEST_F(DialectYuvraj9Test, AMissingKeyIsTheFlaskNotFoundBody) {
  const RawResponse get = send(kv_request("GET", R"({"key": "no_such_key_anywhere"})"));
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(cli_output(get), "{\"status_code\": 404, \"error\": \"Key Doesn't exist\"}\n\n");
}

TEST_F(DialectYuvraj9Test, NullAndEmptyValuesReadAsAbsent) {
  const std::string none = test_key("none"), empty = test_key("empty");
  const RawResponse put_none = send(kv_request("PUT", R"({"key": ")" + none + R"("})"));
  EXPECT_EQ(put_none.status, 200);
  EXPECT_EQ(put_none.body, "{\"" + none + "\": null}\n");
  const RawResponse put_null =
      send(kv_request("PUT", R"({"key": ")" + none + R"(", "value": null})"));
  EXPECT_EQ(put_null.body, "{\"" + none + "\": null}\n");
  EXPECT_EQ(send(kv_request("GET", R"({"key": ")" + none + R"("})")).status, 404);
  const RawResponse put_empty =
      send(kv_request("PUT", R"({"key": ")" + empty + R"(", "value": ""})"));
  EXPECT_EQ(put_empty.body, "{\"" + empty + "\": \"\"}\n");
  EXPECT_EQ(send(kv_request("GET", R"({"key": ")" + empty + R"("})")).status, 404);
  // Natively, None is a JSON null: the key exists, with type json.
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(none), "json", "null", 2));
}

TEST_F(DialectYuvraj9Test, ScalarsAreStoredAsPythonStrPrintsThem) {
  const std::string key = test_key("scalar");
  EXPECT_EQ(send(kv_request("PUT", R"({"key": ")" + key + R"(", "value": 5})")).body,
            "{\"" + key + "\": \"5\"}\n");
  EXPECT_EQ(send(kv_request("PUT", R"({"key": ")" + key + R"(", "value": true})")).body,
            "{\"" + key + "\": \"True\"}\n");
  EXPECT_EQ(send(kv_request("PUT", R"({"key": ")" + key + R"(", "value": 6.50})")).body,
            "{\"" + key + "\": \"6.5\"}\n");
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "6.5", 3));
}

TEST_F(DialectYuvraj9Test, NonAsciiIsEscapedAsPythonJsonDoes) {
  const std::string key = test_key("caf\xc3\xa9");
  const RawResponse put = send(kv_request(
      "PUT", R"({"key": ")" + test_key("caf\\u00e9") + R"(", "value": "\u20ac \"q\""})"));
  EXPECT_EQ(put.body, "{\"" + test_key("caf\\u00e9") + "\": \"\\u20ac \\\"q\\\"\"}\n");
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "\xe2\x82\xac \"q\"", 1));
  EXPECT_EQ(send(kv_request("GET", R"({"key": ")" + test_key("caf\\u00e9") + R"("})")).body,
            "{\"value\": \"\\u20ac \\\"q\\\"\"}\n");
}

TEST_F(DialectYuvraj9Test, NativeWritesReadThroughKvAndTheOtherWayRound) {
  const std::string native = test_key("native"), flask = test_key("flask");
  ASSERT_TRUE(IsWriteReply(kv().put_key(native, "from v1"), native, 1, true));
  EXPECT_EQ(send(kv_request("GET", R"({"key": ")" + native + R"("})")).body,
            "{\"value\": \"from v1\"}\n");
  ASSERT_EQ(send(kv_request("PUT", R"({"key": ")" + flask + R"(", "value": "from kv"})")).status,
            200);
  EXPECT_TRUE(IsValueReply(kv().get_key(flask), "from kv", 1));
  EXPECT_EQ(kv().get("/get/" + url_encode(flask)).body, "from kv");
}

TEST_F(DialectYuvraj9Test, TheKeyAlsoComesFromTheQueryStringWithoutAJsonBody) {
  const std::string key = current_test_name() + "_q";
  ASSERT_EQ(kv().request("PUT", "/kv?key=" + key + "&value=from+query").status, 200);
  const Reply get = kv().get("/kv?key=" + key);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "{\"value\": \"from query\"}\n");
}

TEST_F(DialectYuvraj9Test, BadRequestsGetFlaskRestfulBodies) {
  const RawResponse no_key = send(kv_request("PUT", R"({"value": "v"})"));
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.body,
            "{\"message\": {\"key\": \"Missing required parameter in the JSON body or the post "
            "body or the query string\"}}\n");
  const RawResponse bad_json = send(kv_request("GET", "{not json"));
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.body,
            "{\"message\": \"The browser (or proxy) sent a request that this server could not "
            "understand.\"}\n");
  const Reply post = kv().post_json("/kv", R"({"key": "k"})");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow"), "PUT, OPTIONS, GET, HEAD");
  EXPECT_EQ(post.body, "{\"message\": \"The method is not allowed for the requested URL.\"}\n");
  const RawResponse empty_key = send(kv_request("PUT", R"({"key": "", "value": "v"})"));
  EXPECT_EQ(empty_key.status, 400);
}

TEST_F(DialectYuvraj9Test, HandshakeOffersNoUpgradeAndRefusesOtherProtocolVersions) {
  const RawResponse open = engineio("GET", polling());
  EXPECT_EQ(open.status, 200);
  EXPECT_TRUE(has_header_line(open, "Content-Type: text/plain; charset=UTF-8")) << open.head;
  EXPECT_TRUE(std::regex_match(
      open.body,
      std::regex(
          R"(0\{"sid":"[0-9A-Za-z_-]+","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000\})")))
      << open.body;
  EXPECT_EQ(engineio("GET", "/socket.io/?transport=polling&EIO=3&t=1").status, 400);
  EXPECT_EQ(engineio("GET", "/socket.io/?transport=websocket&EIO=4").status, 400);
  EXPECT_EQ(engineio("GET", polling("unknownsid")).status, 400);
  EXPECT_EQ(engineio("POST", polling("unknownsid"), "40").status, 400);
}

TEST_F(DialectYuvraj9Test, EveryChangeArrivesAsKeyUpdateOnTheLongPoll) {
  const std::string sid = connect_client();
  const std::string key = test_key("watched");
  // A poll held open before the change: the change answers it.
  RawConnection poll(node().host(), node().http_port());
  ASSERT_TRUE(poll.send("GET " + polling(sid) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  ASSERT_EQ(send(kv_request("PUT", R"({"key": ")" + key + R"(", "value": "v1"})")).status, 200);
  const RawResponse first = poll.read_response(false);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "42[\"key_update\",{\"data\":\"Key: " + key + " set with value: v1\"}]");
  // Changes made through other routes, while no poll is open, wait for the next poll.
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v2"), key, 2, false));
  ASSERT_EQ(kv().delete_key(key).status, 200);
  // The events reach the session a moment after the writes are answered: a poll returns what
  // is queued, so the second event may need a second poll (held until it comes).
  const std::string set_v2 =
      "42[\"key_update\",{\"data\":\"Key: " + key + " set with value: v2\"}]";
  const std::string deleted = "42[\"key_update\",{\"data\":\"Key: " + key + " deleted\"}]";
  std::string received;
  for (int poll_count = 0; poll_count < 3 && received.find(deleted) == std::string::npos;
       ++poll_count) {
    const RawResponse rest = engineio("GET", polling(sid));
    ASSERT_EQ(rest.status, 200);
    received += (received.empty() ? "" : "\x1e") + rest.body;
  }
  EXPECT_NE(received.find(set_v2), std::string::npos) << received;
  EXPECT_NE(received.find(set_v2 + "\x1e" + deleted), std::string::npos)
      << "both, in order: " << received;
  // Ctrl-C in kv watch: CLOSE ends the session.
  EXPECT_EQ(engineio("POST", polling(sid), "1").body, "OK");
  EXPECT_EQ(engineio("GET", polling(sid)).status, 400);
}

TEST_F(DialectYuvraj9Test, AClientThatStopsPollingHasItsEventsDroppedAndCounted) {
  auto dropped = [this] {
    const std::string text = kv().get("/metrics").body;
    std::smatch match;
    std::regex_search(text, match,
                      std::regex(R"re(kv_feed_dropped_total\{transport="socketio"\} (\d+))re"));
    return match.size() > 1 ? std::stoull(match[1].str()) : 0ull;
  };
  const auto before = dropped();
  connect_client();  // and then never polls again
  nlohmann::json batch = nlohmann::json::object();
  for (int i = 0; i < 1100; ++i) batch[test_key(std::to_string(i))] = "x";
  ASSERT_EQ(kv().post_batch(batch).status, 200);
  // The session queues 1000 packets; the rest of the 1100 events are dropped, once each.
  for (int attempt = 0; attempt < 100 && dropped() - before < 100; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(dropped() - before, 100u);
}

TEST(DialectYuvraj9ShutdownTest, SigtermAnswersAHeldPollAndTheNodeExitsZero) {
  NodeProcess node;
  std::string error;
  ASSERT_TRUE(node.start(&error)) << error;
  const std::string target = "/socket.io/?transport=polling&EIO=4&t=1";
  const RawResponse open = raw_http(node.host(), node.http_port(),
                                    "GET " + target +
                                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        "Connection: close\r\n\r\n",
                                    false);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(open.body, match, std::regex(R"re("sid":"([^"]+)")re")))
      << open.body;
  const std::string session = target + "&sid=" + match[1].str();
  RawConnection poll(node.host(), node.http_port());
  ASSERT_TRUE(poll.send("GET " + session + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  // Nothing is queued before the namespace CONNECT, so the poll is held (most likely by now).
  ASSERT_FALSE(poll.closed_by_peer(200));

  node.send_signal(SIGTERM);
  // The held poll fails (503; 400 if the drain ended the session before the poll arrived), so
  // that the client reconnects to whatever serves next, and the drain does not wait for it.
  const RawResponse answer = poll.read_response(false);
  EXPECT_TRUE(answer.status == 503 || answer.status == 400) << answer.head;
  const ExitStatus status = node.wait_for_exit(std::chrono::seconds(20));
  EXPECT_TRUE(status.exited_with(0)) << status.describe();
}

}  // namespace
}  // namespace kvtest
