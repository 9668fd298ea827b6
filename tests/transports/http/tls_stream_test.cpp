// tls_stream over a socket pair with an OpenSSL client on the other end: the handshake inside
// the first reads, data both ways, and a write after the client's close_notify and close.
#include "transports/http/tls_stream.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

namespace kv::http {
namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const { Free(p); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, openssl_deleter<SSL_CTX, SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, openssl_deleter<SSL, SSL_free>>;
using key_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using cert_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;

// A server context on a self-signed P-256 certificate made in memory: the client here does not
// verify it, since what is tested is the session, not the trust.
ctx_ptr server_context() {
  key_ptr key(EVP_EC_gen("P-256"));
  cert_ptr cert(X509_new());
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("tls-stream-test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_sign(cert.get(), key.get(), EVP_sha256());
  ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
  SSL_CTX_use_certificate(ctx.get(), cert.get());
  SSL_CTX_use_PrivateKey(ctx.get(), key.get());
  return ctx;
}

class TlsStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // as kvnode does: a write to a closed peer is EPIPE
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    server_ctx_ = server_context();
    client_ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_verify(client_ctx_.get(), SSL_VERIFY_NONE, nullptr);
    client_.reset(SSL_new(client_ctx_.get()));
    SSL_set_fd(client_.get(), fds_[1]);
    stream_ = std::make_unique<tls_stream>(server_ctx_.get(), fds_[0]);
  }
  void TearDown() override {
    stream_.reset();
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }

  // Drives both ends of the handshake on this thread: each side's call returns at once with
  // "want more" until the other has written its part.
  void handshake() {
    for (int round = 0; round < 100 && !stream_->handshake_done(); ++round) {
      SSL_connect(client_.get());
      // The handshake moves inside reads; no data comes before it ends.
      char byte[1];
      bool drained = false;
      ASSERT_EQ(stream_->read(byte, sizeof byte, drained), -1);
      ASSERT_EQ(errno, EAGAIN);
      pollfd wait[2] = {{fds_[0], POLLIN, 0}, {fds_[1], POLLIN, 0}};
      ::poll(wait, 2, 100);
    }
    ASSERT_TRUE(stream_->handshake_done());
    ASSERT_EQ(SSL_connect(client_.get()), 1);
  }

  // What the client receives, read until `size` bytes or nothing more comes.
  std::string client_reads(std::size_t size) {
    std::string got(size, '\0');
    std::size_t filled = 0;
    for (int round = 0; round < 100 && filled < size; ++round) {
      const int n = SSL_read(client_.get(), got.data() + filled, static_cast<int>(size - filled));
      if (n > 0) {
        filled += static_cast<std::size_t>(n);
        continue;
      }
      pollfd wait{fds_[1], POLLIN, 0};
      ::poll(&wait, 1, 100);
    }
    got.resize(filled);
    return got;
  }

  int fds_[2] = {-1, -1};  // [0] the server's, [1] the client's
  ctx_ptr server_ctx_, client_ctx_;
  ssl_ptr client_;
  std::unique_ptr<tls_stream> stream_;
};

TEST_F(TlsStreamTest, CarriesBytesBothWaysAfterTheHandshake) {
  handshake();
  ASSERT_EQ(SSL_write(client_.get(), "ping", 4), 4);
  char in[16];
  bool drained = false;
  ssize_t n = -1;
  for (int round = 0; round < 100 && n < 0; ++round) {
    n = stream_->read(in, sizeof in, drained);
    if (n < 0) {
      ASSERT_EQ(errno, EAGAIN);
    }
  }
  EXPECT_EQ(std::string(in, static_cast<std::size_t>(n)), "ping");
  ASSERT_EQ(stream_->write("pong", 4), 4);
  EXPECT_EQ(client_reads(4), "pong");
}

// OpenSSL reports a failed write on a session whose peer sent close_notify as a clean end
// (SSL_ERROR_ZERO_RETURN). Passed on as 0, "nothing taken, try again", it made the writing
// thread retry for ever; it must be a failure.
TEST_F(TlsStreamTest, AWriteAfterTheClientsCloseNotifyAndCloseFails) {
  handshake();
  SSL_shutdown(client_.get());  // close_notify, without waiting for the server's
  char in[16];
  bool drained = false;
  ssize_t n = -1;
  for (int round = 0; round < 100 && n < 0; ++round) n = stream_->read(in, sizeof in, drained);
  ASSERT_EQ(n, 0) << "the close_notify did not read as the end";
  ::close(fds_[1]);
  fds_[1] = -1;
  errno = 0;
  EXPECT_EQ(stream_->write("answer", 6), -1);
  EXPECT_EQ(errno, EPIPE);
}

}  // namespace
}  // namespace kv::http
