// A typed value's one stored form: the text GET prints for it (contract section 7). Writes are
// parsed into it once, so reads, listings, events, logs and snapshots all share the same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/value_type.hpp"

namespace kv {

// Text that does not parse as the type it was given for; the message says why.
class bad_typed_text : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// `text` (a PUT ?type=T body) in the form GET prints: numbers in their shortest decimal form,
// sets as a sorted JSON array without duplicates, hashes and JSON documents as compact JSON.
// Bytes are returned unchanged. Throws bad_typed_text.
std::string canonical_text(value_type type, std::string_view text);

// Exact readers of the numbers; each throws bad_typed_text naming `what` on anything else.
std::int64_t parse_int64(std::string_view text, std::string_view what);
std::uint64_t parse_uint64(std::string_view text, std::string_view what);
// Finite only: NaN and infinities are refused, as is a number too large for a double.
double parse_float64(std::string_view text, std::string_view what);

// The shortest text that reads back as the same double.
std::string float_text(double value);

using string_set = std::set<std::string>;
using string_map = std::map<std::string, std::string>;

// A JSON array of strings / a JSON object of string values / a JSON array of field names.
string_set parse_string_array(std::string_view json, std::string_view what);
string_map parse_string_object(std::string_view json, std::string_view what);

// The stored (sorted, compact) JSON text of a set or hash.
std::string set_text(const string_set& members);
std::string hash_text(const string_map& fields);

}  // namespace kv
