// The wire dialects a node can speak on the paths the older services share (contract section
// 9): their names for the config file and flag, and the line kvnode --help shows for each.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace kv {

enum class dialect { kvactor, bernata, importhuman, agathemmanuel };

struct dialect_info {
  dialect id;
  std::string_view name;     // as written in [compat] dialect and --dialect
  std::string_view summary;  // one line for --help
};

inline constexpr std::array<dialect_info, 4> known_dialects = {{
    {dialect::kvactor, "kvactor", "kvactor's own API (contract section 2); the default"},
    {dialect::bernata, "bernata",
     "bernata/kvstore: /v1/keys/{key} as JSON {\"key\",\"value\"}, POST/DELETE 204, ping OK"},
    {dialect::importhuman, "importhuman",
     "importhuman/kv-store: /get/{key}, /set, /search and / with typed JSON values"},
    {dialect::agathemmanuel, "agathemmanuel",
     "AgathEmmanuel/key-value-store: /get/{key}, one-pair /set, /search of values, seeded keys"},
}};

std::optional<dialect> dialect_from_name(std::string_view name);
std::string_view dialect_name(dialect id);

}  // namespace kv
