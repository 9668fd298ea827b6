// Unit tests of the SSE watch loop against a scripted HTTP server (cpp-httplib): the resume
// point sent on every reconnection, reset, and how it gives up (unreachable or error reply).
#include "client/sse_watch.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/kv_client.hpp"

namespace kv::client {
namespace {

using namespace std::chrono_literals;

// Thrown by a test's handler to end the otherwise endless watch.
struct enough {};

// What the server saw of one GET /v1/watch.
struct watch_request_seen {
  std::string prefix;
  std::optional<std::string> last_event_id;
};

// An HTTP server on a free loopback port that answers GET /v1/watch with `handler`.
class test_server {
 public:
  explicit test_server(httplib::Server::Handler handler) {
    server_.Get("/v1/watch", std::move(handler));
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~test_server() {
    server_.stop();
    thread_.join();
  }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  endpoint node() const { return {"http", "127.0.0.1", port_, "", "", "", "", ""}; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A node whose n-th watch request gets the n-th scripted body, sent in full and then ended; a
// request past the script gets 503.
class scripted_node {
 public:
  explicit scripted_node(std::vector<std::string> bodies)
      : bodies_(std::move(bodies)),
        server_([this](const httplib::Request& request, httplib::Response& reply) {
          serve(request, reply);
        }) {}

  endpoint node() const { return server_.node(); }
  std::vector<watch_request_seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void serve(const httplib::Request& request, httplib::Response& reply) {
    std::lock_guard lock(mutex_);
    watch_request_seen seen{request.get_param_value("prefix"), std::nullopt};
    if (request.has_header("Last-Event-ID")) {
      seen.last_event_id = request.get_header_value("Last-Event-ID");
    }
    seen_.push_back(seen);
    if (seen_.size() > bodies_.size()) {
      reply.status = 503;
      reply.set_content(R"({"error":"unavailable","message":"draining"})", "application/json");
      return;
    }
    reply.set_chunked_content_provider(
        "text/event-stream",
        [body = bodies_[seen_.size() - 1]](std::size_t, httplib::DataSink& sink) {
          sink.write(body.data(), body.size());
          sink.done();
          return true;
        });
  }

  std::vector<std::string> bodies_;
  std::mutex mutex_;
  std::vector<watch_request_seen> seen_;
  test_server server_;  // last: it calls serve() until it is destroyed, first
};

// Records what the watch reports; stops it after `limit` events.
struct recorder {
  explicit recorder(std::size_t limit) : limit(limit) {}

  std::size_t limit;
  std::vector<std::string> events;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> resets;
  std::vector<std::optional<std::string>> resumed_after;

  sse_watch_handlers handlers() {
    sse_watch_handlers handlers;
    handlers.on_event = [this](const std::string& json) {
      events.push_back(json);
      if (events.size() == limit) throw enough{};
    };
    handlers.on_reset = [this](std::uint64_t rev, std::uint64_t oldest) {
      resets.emplace_back(rev, oldest);
    };
    handlers.on_reconnect = [this](const std::string&, const std::optional<std::string>& after) {
      resumed_after.push_back(after);
    };
    return handlers;
  }
};

sse_watch_options quick_options(const std::string& prefix = "") {
  sse_watch_options options;
  options.prefix = prefix;
  options.connect_timeout = 2s;
  options.idle_timeout = 5s;
  options.reconnect_for = 1s;
  return options;
}

TEST(SseWatchTest, ReconnectsWithTheLastEventIdAfterTheStreamEnds) {
  scripted_node node({"id: 1\ndata: e1\n\n:\n\nid: 2\ndata: e2\n\n", "id: 3\ndata: e3\n\n"});
  recorder seen{3};
  EXPECT_THROW(watch_over_sse(node.node(), quick_options("user:"), seen.handlers()), enough);
  EXPECT_EQ(seen.events, (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_TRUE(seen.resumed_after.empty()) << "a drop resumed at once loses nothing: not reported";
  const auto requests = node.seen();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].prefix, "user:");
  EXPECT_EQ(requests[0].last_event_id, std::nullopt);
  EXPECT_EQ(requests[1].prefix, "user:");
  EXPECT_EQ(requests[1].last_event_id, "2");
}

TEST(SseWatchTest, SinceRevIsTheFirstResumePoint) {
  scripted_node node({"id: 6\ndata: e6\n\n"});
  recorder seen{1};
  auto options = quick_options();
  options.since_rev = 5;
  EXPECT_THROW(watch_over_sse(node.node(), options, seen.handlers()), enough);
  ASSERT_EQ(node.seen().size(), 1u);
  EXPECT_EQ(node.seen()[0].last_event_id, "5");
}

TEST(SseWatchTest, WithoutAnyEventTheReconnectionHasNoResumePoint) {
  scripted_node node({":\n\n", "id: 9\ndata: e9\n\n"});
  recorder seen{1};
  EXPECT_THROW(watch_over_sse(node.node(), quick_options(), seen.handlers()), enough);
  EXPECT_EQ(seen.resumed_after, (std::vector<std::optional<std::string>>{std::nullopt}));
  EXPECT_EQ(node.seen()[1].last_event_id, std::nullopt);
}

TEST(SseWatchTest, AResetIsReportedAndMovesTheResumePointToItsRev) {
  scripted_node node(
      {"event: reset\nid: 30\ndata: {\"rev\":30,\"oldest_rev\":21}\n\n", "id: 31\ndata: e31\n\n"});
  recorder seen{1};
  auto options = quick_options();
  options.since_rev = 3;
  EXPECT_THROW(watch_over_sse(node.node(), options, seen.handlers()), enough);
  EXPECT_EQ(seen.resets, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{30, 21}}));
  EXPECT_EQ(seen.events, (std::vector<std::string>{"e31"}));
  EXPECT_EQ(node.seen()[1].last_event_id, "30");
}

TEST(SseWatchTest, AMalformedResetIsAnError) {
  scripted_node node({"event: reset\nid: 30\ndata: {}\n\n"});
  recorder seen{1};
  EXPECT_THROW(watch_over_sse(node.node(), quick_options(), seen.handlers()), std::runtime_error);
}

// A loopback port that was free a moment ago: bound to port 0, then closed.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(SseWatchTest, NobodyListeningAtFirstIsUnreachable) {
  recorder seen{1};
  try {
    watch_over_sse({"http", "127.0.0.1", free_port(), "", "", "", "", ""}, quick_options(),
                   seen.handlers());
  } catch (const unreachable_error& error) {
    EXPECT_STREQ(error.what(), "Connection refused");
    return;
  }
  ADD_FAILURE() << "no unreachable_error";
}

TEST(SseWatchTest, AnErrorReplyIsAServerErrorWithTheNodesMessage) {
  test_server node([](const httplib::Request&, httplib::Response& reply) {
    reply.status = 400;
    reply.set_content(R"({"error":"bad_request","message":"since_rev must be a number"})",
                      "application/json");
  });
  recorder seen{1};
  try {
    watch_over_sse(node.node(), quick_options(), seen.handlers());
  } catch (const server_error& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.code(), "bad_request");
    EXPECT_STREQ(error.what(), "since_rev must be a number");
    return;
  }
  ADD_FAILURE() << "no server_error";
}

TEST(SseWatchTest, AReplyThatIsNoEventStreamIsAnError) {
  test_server node([](const httplib::Request&, httplib::Response& reply) {
    reply.set_content("<html>not a kvnode</html>", "text/html");
  });
  recorder seen{1};
  try {
    watch_over_sse(node.node(), quick_options(), seen.handlers());
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(),
                 "unexpected reply from the server: /v1/watch answered with `text/html`, not an "
                 "event stream");
    return;
  }
  ADD_FAILURE() << "no error";
}

TEST(SseWatchTest, GivesUpWhenReconnectingKeepsFailing) {
  // After its one stream, the node answers 503 to every watch.
  scripted_node node({"id: 1\ndata: e1\n\n"});
  recorder seen{2};
  EXPECT_THROW(watch_over_sse(node.node(), quick_options(), seen.handlers()), server_error);
  EXPECT_EQ(seen.events, (std::vector<std::string>{"e1"}));
  EXPECT_EQ(seen.resumed_after, (std::vector<std::optional<std::string>>{"1"}))
      << "reported once, when the node did not take the watch back at once";
  EXPECT_GE(node.seen().size(), 3u) << "it retried before giving up";
}

}  // namespace
}  // namespace kv::client
