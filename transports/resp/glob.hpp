// Redis's glob patterns (KEYS, SCAN MATCH, PSUBSCRIBE): `*`, `?`, `[abc]`, `[^a-z]` and `\x`.
// The store lists keys by prefix (and suffix), so a pattern is split into what the store can
// narrow the listing with and whether each key found must still be matched.
#pragma once

#include <string>
#include <string_view>

namespace kv::resp {

// Redis's stringmatchlen, case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);

struct glob_plan {
  std::string prefix;  // every match starts with it
  std::string suffix;  // and ends with it
  // False when the pattern is `prefix*`: every key the listing by prefix finds matches.
  bool needs_match = true;
  // A pattern without any wildcard: it names one key.
  bool exact = false;
};

glob_plan plan_glob(std::string_view pattern);

}  // namespace kv::resp
