// Python's str() and repr() of decoded JSON values, for the routes of a Python service kvactor
// replaces (yuvraj9's /kv); its json.dumps forms are in core/json_styles.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kv {

// What Python's str() prints for the value json.loads made of `value`: a string as it is,
// numbers, True/False/None, lists and dicts in their repr.
std::string python_str(const nlohmann::ordered_json& value);

}  // namespace kv
