// Loss detection on the ZeroMQ feed, which drops events for a subscriber that falls behind:
// each partition numbers its events 1, 2, 3, ... so a jump in `seq` shows what went missing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace kv::client {

// An event whose seq is not the one after its partition's previous event.
struct seq_break {
  std::uint64_t partition = 0;
  std::uint64_t previous_seq = 0;
  std::uint64_t seq = 0;

  // Events skipped; 0 when seq went back (the node restarted with a fresh count).
  std::uint64_t missed() const { return seq > previous_seq ? seq - previous_seq - 1 : 0; }
};

class seq_gap_tracker {
 public:
  // Records the event; returns the break it makes, if any. A partition's first event seen is
  // never a break: the subscriber joined the feed at some point of each partition's count.
  std::optional<seq_break> observe(std::uint64_t partition, std::uint64_t seq);

 private:
  std::map<std::uint64_t, std::uint64_t> last_seq_;
};

// The warning for a break, one line without a newline.
std::string describe(const seq_break& gap);

}  // namespace kv::client
