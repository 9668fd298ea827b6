// Per-partition seq bookkeeping for the ZeroMQ watch, and the words that tell the user what a
// break means for them.
#include "client/seq_gaps.hpp"

namespace kv::client {

std::optional<seq_break> seq_gap_tracker::observe(std::uint64_t partition, std::uint64_t seq) {
  const auto [entry, first] = last_seq_.try_emplace(partition, seq);
  if (first) return std::nullopt;
  const std::uint64_t previous = entry->second;
  entry->second = seq;
  if (seq == previous + 1) return std::nullopt;
  return seq_break{partition, previous, seq};
}

std::string describe(const seq_break& gap) {
  const std::string partition = "partition " + std::to_string(gap.partition);
  if (gap.missed() == 0) {
    return "WARNING: " + partition + " went back from seq " + std::to_string(gap.previous_seq) +
           " to " + std::to_string(gap.seq) + ": the node restarted; events may have been lost";
  }
  std::string range = "seq " + std::to_string(gap.previous_seq + 1);
  if (gap.missed() > 1) range += " to " + std::to_string(gap.seq - 1);
  const bool one = gap.missed() == 1;
  return "WARNING: lost " + std::to_string(gap.missed()) + (one ? " event" : " events") + " of " +
         partition + " (" + range + "): the ZeroMQ feed dropped " + (one ? "it" : "them") +
         "; watch with --sse to lose nothing";
}

}  // namespace kv::client
