// The outcomes a leader sends back for forwarded writes: each kind round-trips with every field,
// "no outcome" (nullopt) travels too, and malformed bytes throw instead of answering a client.
#include "cluster/outcome.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kv::cluster {
namespace {

template <class T>
std::optional<T> round_trip(const std::optional<T>& outcome) {
  std::optional<T> back;
  decode_outcome(encode_outcome(outcome), back);
  return back;
}

TEST(ClusterOutcome, PutAndDeleteRoundTrip) {
  const auto put =
      round_trip(std::optional<put_outcome>(put_outcome{write_status::conflict, 7, true}));
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, write_status::conflict);
  EXPECT_EQ(put->version, 7u);
  EXPECT_TRUE(put->created);
  const auto erased =
      round_trip(std::optional<delete_outcome>(delete_outcome{write_status::ok, true, 3}));
  ASSERT_TRUE(erased);
  EXPECT_TRUE(erased->deleted);
  EXPECT_EQ(erased->current_version, 3u);
}

TEST(ClusterOutcome, OperationExpiryAndBatchRoundTrip) {
  operation_outcome op;
  op.result = operation_status::wrong_type;
  op.version = 9;
  op.type = value_type::set;
  op.value = shared_bytes::copy_of(std::string("[\"a\"]\0", 6));
  op.message = "holds a set";
  op.changed = 2;
  const auto back = round_trip(std::optional<operation_outcome>(op));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->result, operation_status::wrong_type);
  EXPECT_EQ(back->version, 9u);
  EXPECT_EQ(back->type, value_type::set);
  EXPECT_EQ(back->value.view(), op.value.view());
  EXPECT_EQ(back->message, "holds a set");
  EXPECT_EQ(back->changed, 2u);
  const auto expiry = round_trip(
      std::optional<expiry_outcome>(expiry_outcome{write_status::ok, true, 4, -5, true}));
  ASSERT_TRUE(expiry);
  EXPECT_EQ(expiry->expires_at_ms, -5);
  EXPECT_TRUE(expiry->found && expiry->changed);
  EXPECT_EQ(round_trip(std::optional<std::size_t>(12)), std::optional<std::size_t>(12));
}

TEST(ClusterOutcome, NoOutcomeTravelsAndGarbageThrows) {
  EXPECT_FALSE(round_trip(std::optional<put_outcome>()));
  std::optional<put_outcome> out;
  EXPECT_THROW(decode_outcome("", out), std::runtime_error);
  EXPECT_THROW(decode_outcome(std::string("\1\0", 2), out), std::runtime_error);
  EXPECT_THROW(decode_outcome(encode_outcome(std::optional<put_outcome>(put_outcome{})) + "x", out),
               std::runtime_error);
  EXPECT_THROW(decode_outcome(std::string("\1\7", 2) + std::string(9, '\0'), out),
               std::runtime_error);
}

}  // namespace
}  // namespace kv::cluster
