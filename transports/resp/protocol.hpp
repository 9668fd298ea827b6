// RESP2, the Redis protocol: an incremental parser of the commands clients send (arrays of bulk
// strings, and the inline commands of telnet and `redis-cli` pipes) and the encoders of replies.
//
// Why not hiredis's redisReader (Debian's libhiredis-dev 0.14): it is a client's reply reader.
// It copies every byte fed to it into a buffer of its own (sds) and moves the rest down each
// time 1 KiB is consumed, so arguments would be copied twice before the store sees them; it
// has no limit on a bulk length or an array's length, so a `$2000000000` header would have it
// buffer whatever follows; it takes any reply type inside an array (a server must refuse all
// but bulk strings); it cannot parse inline commands; and its errors are not the wording Redis
// servers answer with. bench/resp_parse_bench.cpp measures both on a pipeline of GETs and SETs
// (docs/performance.md): this parser hands out views into the connection's own read buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/shared_bytes.hpp"

namespace kv::resp {

struct parse_limits {
  // One argument (proto-max-bulk-len in Redis); longer: "invalid bulk length", then close.
  std::size_t max_bulk_bytes = 512 << 20;
  // Arguments of one command, as Redis's 1024 * 1024.
  std::size_t max_arguments = 1024 * 1024;
  // An inline command line, or a `*N` / `$N` header line, as Redis's PROTO_INLINE_MAX_SIZE.
  std::size_t max_inline_bytes = 64 << 10;
  // A whole command; past it the client is told and cut, as Redis does past its query buffer.
  std::size_t max_command_bytes = 64 << 20;
};

enum class parse_status {
  complete,    // one command: args() holds it, consumed() says how many bytes it took
  empty,       // an empty line or `*0`: nothing to run, consumed() bytes to skip
  incomplete,  // more bytes are needed; needed() is how many in all, when known
  error,       // the stream is unusable: reply error() and close the connection
};

// Parses the commands at the front of a connection's input. Between calls the input must keep
// the bytes already offered (it may move in memory: the parser keeps offsets, not pointers),
// and a command is never parsed twice from its start: each call goes on where the last stopped.
class command_parser {
 public:
  explicit command_parser(parse_limits limits = {}) : limits_(limits) {}

  // `input` starts at the first byte of the command being parsed.
  parse_status parse(std::string_view input);

  // After complete: the arguments, pointing into the input given to parse() (or into the
  // parser, for an inline argument with escapes), valid until the next call.
  const std::vector<std::string_view>& args() const { return args_; }
  std::size_t consumed() const { return consumed_; }
  // After incomplete: the bytes the command needs at least (0 when not known yet), so that
  // the caller can make room for a large value in one go.
  std::size_t needed() const { return needed_; }
  // After error: the message without the leading '-' (e.g. "ERR Protocol error: ...").
  const std::string& error() const { return error_; }

 private:
  parse_status fail(std::string message);
  parse_status parse_inline(std::string_view input);
  parse_status parse_multibulk(std::string_view input);
  void reset();

  parse_limits limits_;
  // The multibulk command under way: its argument count (-1: header not read yet), where
  // parsing goes on, the bulk length announced for the next argument (-1: none yet), and the
  // arguments found so far as (offset, length) within the command.
  std::int64_t expected_ = -1;
  std::size_t position_ = 0;
  std::int64_t bulk_length_ = -1;
  std::vector<std::pair<std::size_t, std::size_t>> spans_;

  std::vector<std::string_view> args_;
  std::vector<std::string> unescaped_;  // inline arguments that had quotes or escapes
  std::size_t consumed_ = 0;
  std::size_t needed_ = 0;
  std::string error_;
};

// Redis's string2ll: optional '-', digits, no leading zero, no sign on zero, in int64's range.
std::optional<std::int64_t> parse_integer(std::string_view text);
// Redis's string2ld for INCRBYFLOAT: a finite number without spaces.
std::optional<double> parse_double(std::string_view text);

// ---- Replies ----
void append_simple(std::string& out, std::string_view text);  // +text
// -message; "\r" and "\n" inside become spaces, as Redis does with its own errors.
void append_error(std::string& out, std::string_view message);
void append_integer(std::string& out, std::int64_t value);
void append_bulk(std::string& out, std::string_view bytes);
void append_bulk_header(std::string& out, std::size_t length);  // "$N\r\n"
void append_null(std::string& out);                             // $-1
void append_array_header(std::string& out, std::size_t count);
void append_null_array(std::string& out);  // *-1

}  // namespace kv::resp
