// Write-ahead record payloads and the varint coding under them: round trips, and decoding
// that rejects every truncation and every malformed field.
#include "storage/wal_record.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "storage/coding.hpp"

namespace kv::storage {
namespace {

std::string encode(const wal_record_view& record) {
  std::string out;
  encode_wal_record(record, out);
  return out;
}

TEST(WalCodingTest, VarintsRoundTripAtEveryWidth) {
  for (int bits = 0; bits <= 64; ++bits) {
    const std::uint64_t value =
        bits == 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << bits) - 1;
    std::string out;
    put_varint(out, value);
    EXPECT_EQ(out.size(), bits == 0 ? 1u : static_cast<std::size_t>((bits + 6) / 7));
    byte_reader in(out);
    EXPECT_EQ(in.get_varint(), value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(WalCodingTest, VarintsRejectTruncatedOverlongAndOverflowingInput) {
  EXPECT_EQ(byte_reader(std::string("\x80", 1)).get_varint(), std::nullopt);  // truncated
  EXPECT_EQ(byte_reader(std::string(11, '\x80') + '\x01').get_varint(), std::nullopt);
  // Ten bytes whose last carries more than bit 63.
  EXPECT_EQ(byte_reader(std::string(9, '\xff') + '\x02').get_varint(), std::nullopt);
  EXPECT_EQ(byte_reader("").get_varint(), std::nullopt);
}

TEST(WalCodingTest, LengthPrefixedBytesRejectLengthsPastTheEnd) {
  std::string out;
  put_length_prefixed(out, "hello");
  byte_reader whole(out);
  EXPECT_EQ(whole.get_length_prefixed(), "hello");
  byte_reader cut(std::string_view(out).substr(0, out.size() - 1));
  EXPECT_EQ(cut.get_length_prefixed(), std::nullopt);
  EXPECT_EQ(cut.rest().size(), out.size() - 1);  // nothing consumed
}

TEST(WalRecordTest, PutAndDeleteRoundTrip) {
  const std::string value(100000, 'v');
  const wal_record_view put{wal_op::put, 7, 3, "users/7", value};
  const auto decoded_put = decode_wal_record(encode(put));
  ASSERT_TRUE(decoded_put);
  EXPECT_EQ(decoded_put->op, wal_op::put);
  EXPECT_EQ(decoded_put->seq, 7u);
  EXPECT_EQ(decoded_put->version, 3u);
  EXPECT_EQ(decoded_put->key, "users/7");
  EXPECT_EQ(decoded_put->value, value);

  const wal_record_view erase{wal_op::erase, std::numeric_limits<std::uint64_t>::max(), 9, "k", ""};
  const auto decoded_erase = decode_wal_record(encode(erase));
  ASSERT_TRUE(decoded_erase);
  EXPECT_EQ(decoded_erase->op, wal_op::erase);
  EXPECT_EQ(decoded_erase->seq, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(decoded_erase->version, 9u);
  EXPECT_EQ(decoded_erase->key, "k");
  EXPECT_TRUE(decoded_erase->value.empty());
}

TEST(WalRecordTest, EmptyValueAndBinaryBytesSurvive) {
  const std::string key("a\0b", 3);
  const auto empty = decode_wal_record(encode({wal_op::put, 1, 1, key, ""}));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->key, key);
  EXPECT_TRUE(empty->value.empty());
}

TEST(WalRecordTest, EveryTruncationIsRejected) {
  const std::string encoded = encode({wal_op::put, 300, 70000, "key", "value"});
  for (std::size_t size = 0; size < encoded.size(); ++size) {
    EXPECT_FALSE(decode_wal_record(encoded.substr(0, size))) << "cut at " << size;
  }
}

TEST(WalRecordTest, MalformedPayloadsAreRejected) {
  std::string unknown_op = encode({wal_op::put, 1, 1, "k", "v"});
  unknown_op[0] = 4;
  EXPECT_FALSE(decode_wal_record(unknown_op));
  unknown_op[0] = 0;
  EXPECT_FALSE(decode_wal_record(unknown_op));

  EXPECT_FALSE(decode_wal_record(encode({wal_op::put, 1, 1, "k", "v"}) + "x"));  // trailing byte
  EXPECT_FALSE(decode_wal_record(encode({wal_op::put, 1, 1, "", "v"})));         // empty key
  // A delete followed by a value is not what encode writes.
  std::string erase_with_value = encode({wal_op::put, 1, 1, "k", "v"});
  erase_with_value[0] = static_cast<char>(wal_op::erase);
  EXPECT_FALSE(decode_wal_record(erase_with_value));
  EXPECT_FALSE(decode_wal_record(""));
}

TEST(WalRecordTest, TypedPutsRoundTripWithTheirType) {
  for (std::uint8_t byte = 1; byte <= max_value_type; ++byte) {
    const auto type = static_cast<value_type>(byte);
    const auto decoded = decode_wal_record(encode({wal_op::put, 5, 2, "k", "[\"a\"]", type}));
    ASSERT_TRUE(decoded) << type_name(type);
    EXPECT_EQ(decoded->op, wal_op::put);
    EXPECT_EQ(decoded->type, type);
    EXPECT_EQ(decoded->seq, 5u);
    EXPECT_EQ(decoded->version, 2u);
    EXPECT_EQ(decoded->value, "[\"a\"]");
  }
}

TEST(WalRecordTest, BytesPutsKeepTheLayoutFromBeforeTypes) {
  // op 1, seq 7, version 3, key "k", value "v": what every earlier kvnode wrote and reads.
  const std::string untyped("\x01\x07\x03\x01k\x01v", 7);
  EXPECT_EQ(encode({wal_op::put, 7, 3, "k", "v"}), untyped);
  const auto decoded = decode_wal_record(untyped);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->type, value_type::bytes);
  // A typed put: op 3, format 1, type 1 (int), then the same fields.
  EXPECT_EQ(encode({wal_op::put, 7, 3, "k", "v", value_type::int64}),
            std::string("\x03\x01\x01\x07\x03\x01k\x01v", 9));
}

TEST(WalRecordTest, TypedPutsWithUnknownFormatOrTypeAreRejected) {
  const std::string typed = encode({wal_op::put, 1, 1, "k", "1", value_type::int64});
  for (const auto& [offset, byte] : std::vector<std::pair<std::size_t, char>>{
           {1, 0}, {1, 2}, {2, 0}, {2, static_cast<char>(max_value_type + 1)}}) {
    std::string damaged = typed;
    damaged[offset] = byte;
    EXPECT_FALSE(decode_wal_record(damaged)) << offset << " " << int(byte);
  }
  for (std::size_t size = 0; size < typed.size(); ++size) {
    EXPECT_FALSE(decode_wal_record(typed.substr(0, size))) << "cut at " << size;
  }
}

TEST(WalRecordTest, DeadlinesRoundTripForEveryType) {
  constexpr std::int64_t deadline = 1'700'000'123'456;
  for (std::uint8_t byte = 0; byte <= max_value_type; ++byte) {
    const auto type = static_cast<value_type>(byte);
    const std::string payload = encode({wal_op::put, 5, 2, "k", "1", type, deadline});
    EXPECT_EQ(payload[0], static_cast<char>(wal_op::put_expiring));
    const auto decoded = decode_wal_record(payload);
    ASSERT_TRUE(decoded) << type_name(type);
    EXPECT_EQ(decoded->op, wal_op::put);
    EXPECT_EQ(decoded->type, type);
    EXPECT_EQ(decoded->expires_at_ms, deadline);
    EXPECT_EQ(decoded->value, "1");
    for (std::size_t size = 0; size < payload.size(); ++size) {
      EXPECT_FALSE(decode_wal_record(payload.substr(0, size))) << "cut at " << size;
    }
  }
  // Without a deadline nothing changes: the layouts from before expiry.
  EXPECT_EQ(encode({wal_op::put, 7, 3, "k", "v", value_type::bytes, 0})[0],
            static_cast<char>(wal_op::put));
}

TEST(WalRecordTest, ExpiryRecordsRoundTripAndCarryNoValue) {
  const std::string payload = encode({wal_op::expire, 9, 4, "gone", {}});
  EXPECT_EQ(payload, std::string("\x05\x09\x04\x04gone", 8));
  const auto decoded = decode_wal_record(payload);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->op, wal_op::expire);
  EXPECT_EQ(decoded->seq, 9u);
  EXPECT_EQ(decoded->version, 4u);
  EXPECT_EQ(decoded->key, "gone");
  EXPECT_FALSE(decode_wal_record(payload + std::string("\x01v", 2)));
  // A deadline of 0 is what "none" means; an expiring record never carries it.
  std::string zero_deadline = encode({wal_op::put, 1, 1, "k", "v", value_type::bytes, 5});
  zero_deadline[3] = 0;
  EXPECT_FALSE(decode_wal_record(zero_deadline));
}

}  // namespace
}  // namespace kv::storage
