// Parsing and validation of the tokens file: all of it is checked before any of it is used, so
// a reload that fails keeps the rules already in force.
#include "auth/token_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace kv::auth {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw token_file_error("tokens file " + path + ": " + what);
}

const std::string& string_at(const toml::table& table, std::string_view name,
                             const std::string& path, const std::string& where) {
  const auto* value = table[name].as_string();
  if (value == nullptr) fail(path, where + "." + std::string(name) + " must be a string");
  return value->get();
}

void check_known_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                      const std::string& path, const std::string& where) {
  for (const auto& [name, value] : table) {
    if (std::find(known.begin(), known.end(), name.str()) == known.end()) {
      fail(path, where + ": unknown key `" + std::string(name.str()) + "`");
    }
  }
}

access_rule read_rule(const toml::node& node, const std::string& path, const std::string& where) {
  const auto* table = node.as_table();
  if (table == nullptr) fail(path, where + " must be a table {prefix = ..., access = ...}");
  check_known_keys(*table, {"prefix", "access"}, path, where);
  access_rule rule;
  rule.prefix = string_at(*table, "prefix", path, where);
  const std::string& word = string_at(*table, "access", path, where);
  if (word == "read") {
    rule.access = access::read;
  } else if (word == "write") {
    rule.access = access::write;
  } else {
    fail(path, where + ".access must be \"read\" or \"write\", got \"" + word + "\"");
  }
  return rule;
}

token_grant read_token(const toml::node& node, const std::string& path, const std::string& where) {
  const auto* table = node.as_table();
  if (table == nullptr) fail(path, where + " must be a table");
  check_known_keys(*table, {"name", "sha256", "rules"}, path, where);
  token_grant grant;
  grant.name = string_at(*table, "name", path, where);
  if (grant.name.empty()) fail(path, where + ".name must not be empty");
  const auto digest = digest_from_hex(string_at(*table, "sha256", path, where));
  if (!digest) fail(path, where + ".sha256 must be 64 hex digits (the SHA-256 of the token)");
  grant.digest = *digest;
  const auto* rules = (*table)["rules"].as_array();
  if (rules == nullptr || rules->empty()) {
    fail(path, where + ".rules must be a non-empty array of {prefix, access}");
  }
  for (std::size_t i = 0; i < rules->size(); ++i) {
    grant.rules.push_back(
        read_rule(*rules->get(i), path, where + ".rules[" + std::to_string(i) + "]"));
  }
  return grant;
}

}  // namespace

std::shared_ptr<const token_set> load_token_file(const std::string& path) {
  toml::table document;
  try {
    document = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    std::ostringstream reason;
    reason << error.description() << " at line " << error.source().begin.line;
    fail(path, reason.str());
  }
  check_known_keys(document, {"token"}, path, "top level");
  const auto* tokens = document["token"].as_array();
  if (tokens == nullptr || tokens->empty()) {
    fail(path, "needs at least one [[token]] with name, sha256 and rules");
  }
  std::vector<token_grant> grants;
  std::set<std::string> names;
  std::set<std::string> digests;
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    const std::string where = "token[" + std::to_string(i) + "]";
    token_grant grant = read_token(*tokens->get(i), path, where);
    if (!names.insert(grant.name).second) fail(path, where + ": name `" + grant.name + "` twice");
    if (!digests.insert(hex_of(grant.digest)).second) {
      fail(path, where + ": the same sha256 as an earlier token");
    }
    grants.push_back(std::move(grant));
  }
  return std::make_shared<const token_set>(std::move(grants));
}

}  // namespace kv::auth
