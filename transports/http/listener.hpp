// The HTTP listening socket: bound and listening before any thread serves it, so that a port
// in use is reported at start and port 0 resolves to the port the kernel chose.
#pragma once

#include <cstdint>
#include <string>

namespace kv::http {

class listener {
 public:
  // Throws std::runtime_error saying why when it cannot listen.
  listener(const std::string& host, std::uint16_t port);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace kv::http
