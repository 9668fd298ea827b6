// The replicated commands' encoding: every kind round-trips, the leader's stamp lands in
// place, entries frame several commands, and raft_uv's zero padding is accepted, not garbage.
#include "cluster/command.hpp"

#include <gtest/gtest.h>

namespace kv::cluster {
namespace {

TEST(ClusterCommand, PutRoundTripsWithEveryField) {
  command c;
  c.kind = command_kind::put;
  c.origin = 3;
  c.request_id = 0x1234567890abcdefULL;
  c.key = "a/b";
  c.value = shared_bytes::copy_of(std::string("v\0x", 3));
  c.type = value_type::int64;
  c.expected_version = 0;
  c.ttl_seconds = 60;
  std::string bytes = encode(c);
  stamp(bytes, 1700000000123);
  const command back = decode(bytes);
  EXPECT_EQ(back.kind, command_kind::put);
  EXPECT_EQ(back.origin, 3u);
  EXPECT_EQ(back.request_id, c.request_id);
  EXPECT_EQ(back.ts_ms, 1700000000123);
  EXPECT_EQ(back.key, "a/b");
  EXPECT_EQ(back.value.view(), std::string_view("v\0x", 3));
  EXPECT_EQ(back.type, value_type::int64);
  ASSERT_TRUE(back.expected_version.has_value());
  EXPECT_EQ(*back.expected_version, 0u);
  EXPECT_EQ(back.ttl_seconds, 60u);
}

TEST(ClusterCommand, OperationsExpiriesDeletesAndBatchesRoundTrip) {
  command op;
  op.kind = command_kind::operate;
  op.key = "h";
  op.op.kind = operation_kind::hset;
  op.op.fields = {{"f", "1"}, {"g", "2"}};
  op.op.names = {"x"};
  op.max_value_bytes = 99;
  const command op_back = decode(encode(op));
  EXPECT_EQ(op_back.op.kind, operation_kind::hset);
  EXPECT_EQ(op_back.op.fields, op.op.fields);
  EXPECT_EQ(op_back.op.names, op.op.names);
  EXPECT_EQ(op_back.max_value_bytes, 99u);
  EXPECT_FALSE(op_back.expected_version.has_value());
  EXPECT_FALSE(op_back.op.type_requested);
  EXPECT_FALSE(op_back.op.redis_rules);
  // RESP's INCR and SADD follow Redis's rules on every member.
  op.op.redis_rules = true;
  op.op.type_requested = true;
  EXPECT_TRUE(decode(encode(op)).op.redis_rules);
  EXPECT_TRUE(decode(encode(op)).op.type_requested);

  command persist;
  persist.kind = command_kind::expiry;
  persist.key = "k";
  EXPECT_FALSE(decode(encode(persist)).expiry_ttl.has_value());
  persist.expiry_ttl = 5;
  EXPECT_EQ(decode(encode(persist)).expiry_ttl, std::optional<std::uint32_t>(5));

  command batch;
  batch.kind = command_kind::put_all;
  batch.pairs.emplace_back("a", shared_bytes::copy_of("1"));
  batch.pairs.emplace_back("b", shared_bytes::copy_of("2"), value_type::json);
  const command batch_back = decode(encode(batch));
  ASSERT_EQ(batch_back.pairs.size(), 2u);
  EXPECT_EQ(batch_back.pairs[1].key, "b");
  EXPECT_EQ(batch_back.pairs[1].type, value_type::json);
}

TEST(ClusterCommand, EntriesFrameCommandsAndAcceptOnlyZeroPadding) {
  command a;
  a.kind = command_kind::erase;
  a.key = "x";
  command b;
  b.kind = command_kind::sweep;
  std::string entry = frame({encode(a), encode(b)});
  entry.append(8 - entry.size() % 8, '\0');
  const auto commands = unframe(entry);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(decode(commands[0]).key, "x");
  EXPECT_EQ(decode(commands[1]).kind, command_kind::sweep);
  entry.back() = 'z';
  EXPECT_THROW(unframe(entry), std::runtime_error);
  EXPECT_THROW(decode(encode(a).substr(0, 5)), std::runtime_error);
}

}  // namespace
}  // namespace kv::cluster
