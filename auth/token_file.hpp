// Reads the tokens file of [auth] tokens_file: each token's name, the SHA-256 of the token
// (never the token itself) and its prefix rules.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "auth/access_rules.hpp"

namespace kv::auth {

// A tokens file that cannot be used. what() is one line naming the file and what is wrong.
class token_file_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// [[token]]
// name = "app"
// sha256 = "<64 hex digits: SHA-256 of the token>"
// rules = [{prefix = "app/", access = "write"}, {prefix = "metrics", access = "read"}]
//
// Throws token_file_error for a missing file, bad TOML, an unknown key, a bad digest or access
// word, a token without rules, or two tokens with the same digest or name.
std::shared_ptr<const token_set> load_token_file(const std::string& path);

}  // namespace kv::auth
