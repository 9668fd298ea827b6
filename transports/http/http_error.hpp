// A request that cannot be served, with the status and JSON error code of the contract.
// Handlers throw it on bad input; the dispatcher turns it into the error reply.
#pragma once

#include <string>

namespace kv::http {

struct http_error {
  int status;
  std::string code;  // bad_request, not_found, payload_too_large, ...
  std::string message;
};

inline http_error bad_request(std::string message) {
  return {400, "bad_request", std::move(message)};
}

}  // namespace kv::http
