// Loading the node's certificate, key and client CA into an OpenSSL server context, refusing
// at start what would only fail later, in every client's handshake.
#include "transports/http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kv::http {
namespace {

// OpenSSL's reason for the last failure, without its queue's codes and source lines.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? reason : "unknown error";
}

[[noreturn]] void fail(const std::string& key, const std::string& file, const std::string& what) {
  throw tls_setup_error("http.tls." + key + " " + file + ": " + what);
}

// OpenSSL says only "system lib" about a file it cannot open; errno says why.
void check_readable(const std::string& key, const std::string& file) {
  std::FILE* const opened = std::fopen(file.c_str(), "r");
  if (opened == nullptr) fail(key, file, std::strerror(errno));
  std::fclose(opened);
}

struct ctx_deleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

void check_validity(const std::string& file, const X509* cert) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
    fail("cert_file", file, "the certificate has expired");
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
    fail("cert_file", file, "the certificate is not valid yet");
  }
}

void load_client_ca(SSL_CTX* ctx, const std::string& file) {
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file.c_str());
  if (names == nullptr || SSL_CTX_load_verify_locations(ctx, file.c_str(), nullptr) != 1) {
    if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
    fail("client_ca_file", file, "cannot load a CA certificate (" + openssl_reason() + ")");
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership of names
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

}  // namespace

std::shared_ptr<const tls_context> tls_context::load(const tls_files& files) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, ctx_deleter> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) throw tls_setup_error("http.tls: cannot make a TLS context (" + openssl_reason() + ")");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // A client that closes without close_notify has still ended cleanly for HTTP/1.1 framing;
  // renegotiation would let a client make the reactor work for nothing.
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  // Answers are queued and sent in pieces as the socket takes them, from a string that may move.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  check_readable("cert_file", files.cert_file);
  check_readable("key_file", files.key_file);
  if (!files.client_ca_file.empty()) check_readable("client_ca_file", files.client_ca_file);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert_file.c_str()) != 1) {
    fail("cert_file", files.cert_file, "cannot load a certificate (" + openssl_reason() + ")");
  }
  check_validity(files.cert_file, SSL_CTX_get0_certificate(ctx.get()));
  // Loading the key also checks it against the certificate loaded before it.
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      fail("key_file", files.key_file, "the key does not match the certificate " + files.cert_file);
    }
    fail("key_file", files.key_file, "cannot load a private key (" + openssl_reason() + ")");
  }
  if (!files.client_ca_file.empty()) load_client_ca(ctx.get(), files.client_ca_file);
  return std::shared_ptr<const tls_context>(new tls_context(ctx.release()));
}

tls_context::~tls_context() {
  SSL_CTX_free(ctx_);
}

}  // namespace kv::http
