// A plain socket, so that the test sees the SSE bytes as the node sent them.
#include "tests/support/watch_events.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/kv_client.hpp"

namespace kvtest {

std::vector<nlohmann::json> retained_events(NodeProcess& node, const std::string& prefix,
                                            std::size_t count, std::chrono::milliseconds wait,
                                            std::uint64_t since_rev) {
  std::vector<nlohmann::json> events;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(node.http_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string request =
      "GET /v1/watch" +
      query_string({{"prefix", prefix}, {"since_rev", std::to_string(since_rev)}}) +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return events;
  }
  std::string received;
  std::size_t parsed = 0;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (events.size() < count && std::chrono::steady_clock::now() < deadline) {
    const std::size_t data = received.find("data: ", parsed);
    const std::size_t end = data == std::string::npos ? data : received.find('\n', data);
    if (end != std::string::npos) {
      events.push_back(nlohmann::json::parse(received.substr(data + 6, end - data - 6)));
      parsed = end;
      continue;
    }
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    received.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return events;
}

}  // namespace kvtest
