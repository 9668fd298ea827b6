// Python's text forms, for the routes of a Python service kvactor replaces (yuvraj9's /kv):
// json.dumps defaults (Py-JSON) for its answers and str() for the values it stored.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kv {

// `text` as json.dumps writes a str: quoted, with every character outside 0x20..0x7E escaped
// as \uXXXX (surrogate pairs above U+FFFF). Bytes that are not UTF-8 count as U+FFFD.
void append_python_json_string(std::string& out, std::string_view text);

// What Python's str() prints for the value json.loads made of `value`: a string as it is,
// numbers, True/False/None, lists and dicts in their repr.
std::string python_str(const nlohmann::ordered_json& value);

// repr() of a float: the shortest digits that read back equal, in fixed notation with ".0"
// for whole numbers, or in exponent notation below 1e-4 and from 1e16 on.
std::string python_float_repr(double value);

}  // namespace kv
