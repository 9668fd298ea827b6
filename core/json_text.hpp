// JSON text written straight into a string, for answers built on every request (the change
// feed's events, pages of keys), where a JSON document tree would cost an allocation a field.
#pragma once

#include <string>
#include <string_view>

namespace kv {

// Appends `text` as a quoted JSON string. `text` must be valid UTF-8, as every key is: only
// '"' and '\' need escaping, and control characters are escaped so the JSON stays valid anyway.
void append_json_string(std::string& out, std::string_view text);

}  // namespace kv
