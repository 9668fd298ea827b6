// The queue of logged writes: acknowledged oldest first, failed newest first, each once.
#include "actors/pending_writes.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kv {
namespace {

pending_write write_with_ticket(storage::log_ticket ticket) {
  pending_write write;
  write.ticket = ticket;
  write.change.seq = ticket;
  return write;
}

std::vector<storage::log_ticket> acknowledge(pending_writes& writes, storage::log_ticket through) {
  std::vector<storage::log_ticket> seen;
  writes.acknowledge_through(through, [&](pending_write& w) { seen.push_back(w.ticket); });
  return seen;
}

std::vector<storage::log_ticket> fail(pending_writes& writes, storage::log_ticket after) {
  std::vector<storage::log_ticket> seen;
  writes.fail_after(after, [&](pending_write& w) { seen.push_back(w.ticket); });
  return seen;
}

TEST(PendingWritesTest, AcknowledgesFromTheOldestAndFailsFromTheNewest) {
  pending_writes writes;
  for (storage::log_ticket t = 1; t <= 5; ++t) writes.add(write_with_ticket(t));
  EXPECT_EQ(writes.newest().ticket, 5u);
  EXPECT_EQ(acknowledge(writes, 2), (std::vector<storage::log_ticket>{1, 2}));
  EXPECT_EQ(acknowledge(writes, 2), std::vector<storage::log_ticket>{});  // each only once
  EXPECT_EQ(fail(writes, 3), (std::vector<storage::log_ticket>{5, 4}));
  EXPECT_EQ(acknowledge(writes, 10), (std::vector<storage::log_ticket>{3}));
  EXPECT_TRUE(writes.empty());
}

TEST(PendingWritesTest, FailingEverythingLeavesItEmpty) {
  pending_writes writes;
  for (storage::log_ticket t = 7; t <= 9; ++t) writes.add(write_with_ticket(t));
  EXPECT_EQ(acknowledge(writes, 6), std::vector<storage::log_ticket>{});
  EXPECT_EQ(fail(writes, 6), (std::vector<storage::log_ticket>{9, 8, 7}));
  EXPECT_TRUE(writes.empty());
}

}  // namespace
}  // namespace kv
