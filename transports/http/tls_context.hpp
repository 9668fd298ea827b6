// The server's TLS settings loaded into one OpenSSL context: its certificate and key, and the
// certificate authority client certificates must be signed by when mutual TLS is on.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

struct ssl_ctx_st;

namespace kv::http {

struct tls_files {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: clients need no certificate
};

// A TLS file the node cannot use. what() is one line naming the file and the reason.
class tls_setup_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class tls_context {
 public:
  // Loads and checks every file: the certificate loads and is within its validity period, the
  // key loads and matches it, the client CA loads. Throws tls_setup_error.
  static std::shared_ptr<const tls_context> load(const tls_files& files);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  ssl_ctx_st* native() const { return ctx_; }

 private:
  explicit tls_context(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* const ctx_;
};

}  // namespace kv::http
