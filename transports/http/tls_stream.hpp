// One connection's TLS session over its non-blocking socket: the handshake happens inside the
// first reads, and reads and writes answer like recv and send do, never waiting for the peer.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <mutex>

struct ssl_st;
struct ssl_ctx_st;

namespace kv::http {

class tls_stream {
 public:
  // Takes no ownership of `fd`; throws std::runtime_error when OpenSSL cannot make a session.
  tls_stream(ssl_ctx_st* ctx, int fd);
  ~tls_stream();
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  // Fill `out` with decrypted bytes while OpenSSL has them. Returns the count (0 when the peer
  // closed), or -1 with errno EAGAIN when nothing is ready, or -1 with another errno when the
  // session failed (a refused handshake included). `drained` tells whether the socket was read
  // to its end, so that only a new edge brings more.
  ssize_t read(char* out, std::size_t size, bool& drained);
  // Like send(): the bytes taken, or -1 with errno EAGAIN when the socket is full.
  ssize_t write(const char* data, std::size_t size);
  // Sends close_notify, so that the client can tell the answer ended and was not cut.
  void close_notify();
  bool handshake_done() const;

 private:
  ssl_st* const ssl_;
  // OpenSSL's sessions are not thread-safe: the reactor reads while an answering thread writes.
  mutable std::mutex mutex_;
};

}  // namespace kv::http
