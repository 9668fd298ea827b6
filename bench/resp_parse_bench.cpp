// By hand, not a test: the RESP request parser of transports/resp/ against hiredis's
// redisReader (Debian's libhiredis-dev) on the same pipelined input, fed in 16 KiB reads as a
// connection would be: commands per second, and bytes copied before an argument is reached.
// hiredis gets object functions that build nothing (each string is only looked at where it
// lies in the reader's buffer), so that what is measured is its parsing and buffering, not
// its reply objects. Build: cmake --build build/release --target resp_parse_bench
#include <hiredis/read.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "transports/resp/protocol.hpp"

namespace {

constexpr std::size_t read_size = 16 << 10;

std::string encode(const std::vector<std::string>& args) {
  std::string out = "*";
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& arg : args) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

// A pipeline as redis-benchmark -P 16 sends it: GET and SET of keys with 3-byte values.
std::string make_input(std::size_t commands, std::size_t value_size) {
  std::string input;
  for (std::size_t i = 0; i < commands; ++i) {
    std::string key = "key:";
    key += std::to_string(i % 100000);
    input += i % 2 == 0 ? encode({"SET", key, std::string(value_size, 'x')}) : encode({"GET", key});
  }
  return input;
}

std::size_t seen_bytes = 0;
int dummy = 0;
void* on_string(const redisReadTask*, char*, size_t len) {
  seen_bytes += len;
  return &dummy;
}
void* on_array(const redisReadTask*, size_t) {
  return &dummy;
}
void* on_integer(const redisReadTask*, long long) {
  return &dummy;
}
void* on_nil(const redisReadTask*) {
  return &dummy;
}
void on_free(void*) {}

// Fills only the members this hiredis version has, in declaration order.
template <class Functions>
Functions make_functions() {
  Functions f{};
  f.createString = on_string;
  f.createArray = [](const redisReadTask* t, int n) { return on_array(t, static_cast<size_t>(n)); };
  f.createInteger = on_integer;
  f.createNil = on_nil;
  f.freeObject = on_free;
  return f;
}

double run_hiredis(const std::string& input, std::size_t& commands) {
  auto functions = make_functions<redisReplyObjectFunctions>();
  redisReader* reader = redisReaderCreateWithFunctions(&functions);
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < input.size(); at += read_size) {
    redisReaderFeed(reader, input.data() + at, std::min(read_size, input.size() - at));
    void* reply = nullptr;
    while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) ++commands;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  redisReaderFree(reader);
  return seconds;
}

double run_ours(const std::string& input, std::size_t& commands) {
  kv::resp::command_parser parser;
  std::vector<char> buffer;
  std::size_t start = 0;
  std::size_t end = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < input.size(); at += read_size) {
    // As the connection does: the read lands behind what is still unparsed.
    const std::size_t size = std::min(read_size, input.size() - at);
    if (start == end) start = end = 0;
    if (buffer.size() < end + size) {
      std::copy(buffer.begin() + static_cast<long>(start), buffer.begin() + static_cast<long>(end),
                buffer.begin());
      end -= start;
      start = 0;
      if (buffer.size() < end + size) buffer.resize(end + size);
    }
    std::copy(input.data() + at, input.data() + at + size, buffer.data() + end);  // the recv
    end += size;
    for (;;) {
      const auto status = parser.parse(std::string_view(buffer.data() + start, end - start));
      if (status != kv::resp::parse_status::complete) break;
      for (const auto arg : parser.args()) seen_bytes += arg.size();
      start += parser.consumed();
      ++commands;
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

int main() {
  for (const std::size_t value_size : {3, 1024}) {
    const std::string input = make_input(2'000'000 / (value_size > 100 ? 10 : 1), value_size);
    for (int round = 0; round < 3; ++round) {
      std::size_t ours = 0;
      std::size_t theirs = 0;
      const double ours_s = run_ours(input, ours);
      const double theirs_s = run_hiredis(input, theirs);
      std::printf(
          "values of %zu B: ours %.1f M commands/s (%zu), hiredis %.1f M commands/s (%zu), "
          "%.1f MB of input\n",
          value_size, static_cast<double>(ours) / ours_s / 1e6, ours,
          static_cast<double>(theirs) / theirs_s / 1e6, theirs,
          static_cast<double>(input.size()) / 1e6);
    }
  }
  return seen_bytes == 0;
}
