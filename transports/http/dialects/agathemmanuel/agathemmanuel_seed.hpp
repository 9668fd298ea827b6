// The four keys AgathEmmanuel/key-value-store starts with, which its tests read back.
#pragma once

#include "actors/store_api.hpp"

namespace kv::http::dialects {

// Writes abc-1, abc-2, xyz-1 and xyz-2 (each its own name as value) into an empty store, as the
// original starts; a store that already holds keys (recovered from disk) is left alone. Waits
// for the store; false when it did not answer.
bool seed_agathemmanuel_store(const store_api& store);

}  // namespace kv::http::dialects
