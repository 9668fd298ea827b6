// The JSON encodings of the older services, byte for byte (dialects.md, "Conventions"):
// Go-JSON (Go's encoding/json), Py-JSON (Python's json.dumps defaults) and Compact-JSON
// (Starlette's json.dumps with compact separators and raw UTF-8). nlohmann::json writes none of
// them: it neither escapes HTML characters nor writes \uXXXX for non-ASCII, nor Go's or
// Python's number forms.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kv {

// Strings. Bytes that are not valid UTF-8 are written as U+FFFD, one per byte, as Go does.

// Go: '"' '\' \n \r \t short, other control characters and < > & as \u00xx, U+2028 and U+2029
// escaped, other non-ASCII raw.
void append_go_json_string(std::string& out, std::string_view text);
// Python, ensure_ascii: '"' '\' \n \r \t \b \f short, everything outside 0x20..0x7E as \uxxxx,
// above U+FFFF as a surrogate pair.
void append_py_json_string(std::string& out, std::string_view text);
// Python, ensure_ascii=False: as Py-JSON but non-ASCII (and DEL) raw.
void append_compact_json_string(std::string& out, std::string_view text);

// Numbers.

// Go's float64 form: shortest digits, exponent form only below 1e-6 or from 1e21 ("1e-7").
std::string go_float_text(double value);
// Python's repr of a float: shortest digits, always a '.' or an exponent ("5.0", "1e+16").
std::string python_float_text(double value);

// Documents.

// As Go's generic decoding and encoding print it: objects with sorted keys, every number a
// float64, compact.
std::string go_json_text(const nlohmann::json& document);
// json.dumps(document) with its default separators ", " and ": ", members in the given order.
std::string py_json_text(const nlohmann::ordered_json& document);

}  // namespace kv
