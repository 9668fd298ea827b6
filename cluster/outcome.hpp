// What a write came to, as bytes: the leader sends the outcome it applied back to the member
// that forwarded the write, which answers its client at once instead of waiting until it has
// applied the entry too (it learns that the entry committed only from the leader's next message).
// nullopt (the partition could not decide) travels too. No framework headers: unit-testable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "actors/store_api.hpp"

namespace kv::cluster {

std::string encode_outcome(const std::optional<put_outcome>& outcome);
std::string encode_outcome(const std::optional<delete_outcome>& outcome);
std::string encode_outcome(const std::optional<operation_outcome>& outcome);
std::string encode_outcome(const std::optional<expiry_outcome>& outcome);
std::string encode_outcome(const std::optional<std::size_t>& written);

// Throw std::runtime_error on malformed input.
void decode_outcome(std::string_view bytes, std::optional<put_outcome>& outcome);
void decode_outcome(std::string_view bytes, std::optional<delete_outcome>& outcome);
void decode_outcome(std::string_view bytes, std::optional<operation_outcome>& outcome);
void decode_outcome(std::string_view bytes, std::optional<expiry_outcome>& outcome);
void decode_outcome(std::string_view bytes, std::optional<std::size_t>& written);

}  // namespace kv::cluster
