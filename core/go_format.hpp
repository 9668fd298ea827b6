// Go's text forms, for the routes of the Go service kvactor replaces (isnastish's typed
// /kvs/v1-0-0/... routes): strconv's parsers and their error texts, fmt's %e, encoding/json's
// strings, and the case swap of its echo route.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace kv {

// A parsed number, or strconv's error text, e.g.
// `strconv.ParseInt: parsing "x": invalid syntax`.
template <class T>
using go_parsed = std::variant<T, std::string>;

// strconv.ParseInt(text, 10, 32): an optional sign and decimal digits.
go_parsed<std::int32_t> parse_go_int32(std::string_view text);
// strconv.ParseUint(text, 10, 32): decimal digits only.
go_parsed<std::uint32_t> parse_go_uint32(std::string_view text);
// strconv.ParseFloat(text, 32): decimal or hexadecimal float syntax, rounded to float32; a
// number beyond float32's range is "value out of range". "inf" and "nan" parse as Go parses
// them, to infinities and NaN; the caller decides whether it can keep those.
go_parsed<float> parse_go_float32(std::string_view text);

// fmt.Sprintf("%e", value) of a float32: "3.141590e+00", "+Inf", "NaN".
std::string go_float_e(float value);

// strconv.Quote: `text` in double quotes with Go's escapes.
std::string go_quote(std::string_view text);

// Every letter's case swapped, as unicode.ToUpper / unicode.ToLower map it; bytes that are not
// UTF-8 become U+FFFD, as Go's []rune conversion makes them.
std::string go_swap_case(std::string_view text);

// fib(n) with fib(0) = 0 and fib(1) = fib(2) = 1, wrapping around as Go's int64 does.
std::int64_t go_fibonacci(std::uint64_t n);

}  // namespace kv
