// SSL_read and SSL_write on a non-blocking socket, turned into the recv and send answers the
// connection already handles: WANT_READ and WANT_WRITE become EAGAIN, to be retried on the
// next epoll edge.
#include "transports/http/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <stdexcept>

namespace kv::http {
namespace {

ssize_t fail_with(int error) {
  errno = error;
  return -1;
}

// The answer of a failed SSL_read or SSL_write, as recv and send would give it.
ssize_t failure(SSL* ssl, int result) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return fail_with(EAGAIN);
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      return fail_with(errno != 0 && errno != EAGAIN ? errno : ECONNRESET);
    default:  // a refused handshake, plain HTTP on this port, a damaged record
      ERR_clear_error();
      return fail_with(EPROTO);
  }
}

}  // namespace

tls_stream::tls_stream(ssl_ctx_st* ctx, int fd) : ssl_(SSL_new(ctx)) {
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd) != 1) {
    SSL_free(ssl_);
    ERR_clear_error();
    throw std::runtime_error("cannot make a TLS session");
  }
  SSL_set_accept_state(ssl_);
}

tls_stream::~tls_stream() {
  SSL_free(ssl_);
}

ssize_t tls_stream::read(char* out, std::size_t size, bool& drained) {
  const std::lock_guard lock(mutex_);
  std::size_t filled = 0;
  drained = false;
  // SSL_read gives one record at a time; the socket is read to its end (WANT_READ) or until
  // `out` is full, since epoll will not report what is already in the socket again.
  while (filled < size) {
    ERR_clear_error();
    errno = 0;
    const int want = static_cast<int>(std::min<std::size_t>(size - filled, INT_MAX));
    const int n = SSL_read(ssl_, out + filled, want);
    if (n > 0) {
      filled += static_cast<std::size_t>(n);
      continue;
    }
    const ssize_t result = failure(ssl_, n);
    drained = result < 0 && errno == EAGAIN;
    // An end or failure after some bytes shows at the next read, which `drained` asks for.
    return filled > 0 ? static_cast<ssize_t>(filled) : result;
  }
  return static_cast<ssize_t>(filled);
}

ssize_t tls_stream::write(const char* data, std::size_t size) {
  const std::lock_guard lock(mutex_);
  ERR_clear_error();
  errno = 0;
  const int n = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  if (n > 0) return n;
  // A client that sent close_notify takes nothing more; a 0 here would read as "0 bytes taken,
  // try again" and spin the writing thread.
  const ssize_t result = failure(ssl_, n);
  return result == 0 ? fail_with(EPIPE) : result;
}

void tls_stream::close_notify() {
  const std::lock_guard lock(mutex_);
  ERR_clear_error();
  if (SSL_is_init_finished(ssl_) == 1) SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool tls_stream::handshake_done() const {
  const std::lock_guard lock(mutex_);
  return SSL_is_init_finished(ssl_) == 1;
}

}  // namespace kv::http
