// Glob matching as Redis's util.c stringmatchlen does it, and the prefix a pattern fixes.
#include "transports/resp/glob.hpp"

namespace kv::resp {
namespace {

bool special(char c) {
  return c == '*' || c == '?' || c == '[' || c == '\\';
}

bool match_from(std::string_view p, std::string_view s, int depth) {
  // Nested stars are bounded the way Redis bounds them: a pattern that would recurse this
  // deep is refused rather than allowed to exhaust the stack.
  if (depth > 1000) return false;
  std::size_t pi = 0;
  std::size_t si = 0;
  while (pi < p.size() && si < s.size()) {
    switch (p[pi]) {
      case '*':
        while (pi + 1 < p.size() && p[pi + 1] == '*') ++pi;
        if (pi + 1 == p.size()) return true;
        for (std::size_t k = si; k <= s.size(); ++k) {
          if (match_from(p.substr(pi + 1), s.substr(k), depth + 1)) return true;
        }
        return false;
      case '?':
        ++si;
        break;
      case '[': {
        ++pi;
        const bool negate = pi < p.size() && p[pi] == '^';
        if (negate) ++pi;
        bool matched = false;
        while (pi < p.size() && p[pi] != ']') {
          if (p[pi] == '\\' && pi + 1 < p.size()) {
            ++pi;
            if (p[pi] == s[si]) matched = true;
          } else if (pi + 2 < p.size() && p[pi + 1] == '-') {
            unsigned char start = static_cast<unsigned char>(p[pi]);
            unsigned char end = static_cast<unsigned char>(p[pi + 2]);
            if (start > end) std::swap(start, end);
            const auto c = static_cast<unsigned char>(s[si]);
            if (c >= start && c <= end) matched = true;
            pi += 2;
          } else if (p[pi] == s[si]) {
            matched = true;
          }
          ++pi;
        }
        if (pi >= p.size()) --pi;  // an unclosed class: Redis treats its end as the class's end
        if (negate) matched = !matched;
        if (!matched) return false;
        ++si;
        break;
      }
      case '\\':
        if (pi + 1 < p.size()) ++pi;
        [[fallthrough]];
      default:
        if (p[pi] != s[si]) return false;
        ++si;
        break;
    }
    ++pi;
    if (si == s.size()) {
      while (pi < p.size() && p[pi] == '*') ++pi;
      break;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;  // stars left match the empty rest
  return pi == p.size() && si == s.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return match_from(pattern, text, 0);
}

glob_plan plan_glob(std::string_view pattern) {
  glob_plan plan;
  std::size_t i = 0;
  // The literal start, up to the first wildcard or escape.
  while (i < pattern.size() && !special(pattern[i])) plan.prefix += pattern[i++];
  if (i == pattern.size()) {
    plan.exact = true;
    return plan;
  }
  if (pattern[i] != '*') return plan;
  std::size_t stars = i;
  while (stars < pattern.size() && pattern[stars] == '*') ++stars;
  const std::string_view rest = pattern.substr(stars);
  for (const char c : rest) {
    if (special(c)) return plan;  // more wildcards: list by prefix, match each key
  }
  // "ab*ba" must not take "aba", which has the prefix and the suffix overlapping.
  plan.suffix = std::string(rest);
  plan.needs_match = !plan.suffix.empty();
  return plan;
}

}  // namespace kv::resp
