// Rows in COPY's binary format, read back field by field, and byte for byte what PostgreSQL 15
// itself writes for the same rows with COPY ... TO STDOUT (FORMAT binary).
#include "sinks/copy_binary_row.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tests/sinks/sample_change.hpp"

namespace kv::changelog {
namespace {

// Reads COPY's binary format back: big-endian numbers, fields with a length (-1: null).
class binary_reader {
 public:
  explicit binary_reader(std::string_view data) : data_(data) {}

  std::int64_t number(std::size_t size) {
    if (data_.size() < size) throw std::out_of_range("the data ended inside a number");
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
      value = value << 8 | static_cast<unsigned char>(data_[i]);
    data_.remove_prefix(size);
    // Sign-extended from `size` bytes.
    const unsigned shift = 64 - 8 * static_cast<unsigned>(size);
    return static_cast<std::int64_t>(value << shift) >> shift;
  }

  std::optional<std::string> field() {
    const auto length = number(4);
    if (length == -1) return std::nullopt;
    if (length < 0 || static_cast<std::size_t>(length) > data_.size()) {
      throw std::out_of_range("a field's length runs past the data");
    }
    std::string bytes(data_.substr(0, static_cast<std::size_t>(length)));
    data_.remove_prefix(bytes.size());
    return bytes;
  }

  // A fixed-size field as its number.
  std::int64_t number_field(std::size_t size) {
    EXPECT_EQ(number(4), static_cast<std::int64_t>(size));
    return number(size);
  }

  bool empty() const { return data_.empty(); }

 private:
  std::string_view data_;
};

TEST(CopyBinaryRowTest, TimestampsAreMicrosecondsSince2000) {
  EXPECT_EQ(postgres_timestamp(946684800000), 0);
  EXPECT_EQ(postgres_timestamp(0), -946684800000000);
  EXPECT_EQ(postgres_timestamp(1714564800123), 767880000123000);
  EXPECT_EQ(postgres_timestamp(946684799999), -1000);
}

TEST(CopyBinaryRowTest, APutReadsBackWithEveryColumn) {
  auto c = sample_change(change_op::put, "a\\b\tc\n", std::string("a\0\"b", 4));
  c.type = value_type::bytes;
  c.expires_at_ms = 1714564860000;
  std::string out;
  append_copy_binary_row(out, *make_feed_event(c, 42));
  binary_reader row(out);
  EXPECT_EQ(row.number(2), 10);  // the field count
  EXPECT_EQ(row.number_field(8), 42);
  EXPECT_EQ(row.number_field(4), 7);
  EXPECT_EQ(row.number_field(8), 11);
  EXPECT_EQ(row.field(), "put");
  EXPECT_EQ(row.field(), "a\\b\tc\n");  // as it is: binary COPY escapes nothing
  EXPECT_EQ(row.field(), "bytes");
  EXPECT_EQ(row.field(), std::string("a\0\"b", 4));
  EXPECT_EQ(row.number_field(8), 3);
  EXPECT_EQ(row.number_field(8), postgres_timestamp(1714564800123));
  EXPECT_EQ(row.number_field(8), postgres_timestamp(1714564860000));
  EXPECT_TRUE(row.empty());
}

TEST(CopyBinaryRowTest, DeletesAndExpiriesHaveNoValueNorTypeNorDeadline) {
  for (const auto op : {change_op::del, change_op::expire}) {
    std::string out = "before";
    append_copy_binary_row(out, *make_feed_event(sample_change(op, "gone", ""), 5));
    ASSERT_EQ(out.substr(0, 6), "before");  // appended
    binary_reader row(std::string_view(out).substr(6));
    EXPECT_EQ(row.number(2), 10);
    EXPECT_EQ(row.number_field(8), 5);
    EXPECT_EQ(row.number_field(4), 7);
    EXPECT_EQ(row.number_field(8), 11);
    EXPECT_EQ(row.field(), op == change_op::del ? "delete" : "expire");
    EXPECT_EQ(row.field(), "gone");
    EXPECT_EQ(row.field(), std::nullopt);  // type
    EXPECT_EQ(row.field(), std::nullopt);  // value
    EXPECT_EQ(row.number_field(8), 3);
    EXPECT_EQ(row.number_field(8), postgres_timestamp(1714564800123));
    EXPECT_EQ(row.field(), std::nullopt);  // expires_at
    EXPECT_TRUE(row.empty());
  }
}

// A typed put keeps its type's name; an empty value is an empty bytea, not a null; a put
// without a deadline has a null one.
TEST(CopyBinaryRowTest, ATypedPutAndAnEmptyValue) {
  const auto expect_row = [](const applied_change& c, std::string_view type,
                             std::string_view value) {
    std::string out;
    append_copy_binary_row(out, *make_feed_event(c, 1));
    binary_reader row(out);
    row.number(2);
    for (const char* skipped : {"rev", "partition", "seq", "op", "key"}) {
      EXPECT_TRUE(row.field()) << skipped;
    }
    EXPECT_EQ(row.field(), type);
    EXPECT_EQ(row.field(), value);
    row.number_field(8);  // version
    row.number_field(8);  // ts
    EXPECT_EQ(row.field(), std::nullopt);
    EXPECT_TRUE(row.empty());
  };
  auto typed = sample_change(change_op::put, "n", "-12");
  typed.type = value_type::int64;
  expect_row(typed, "int", "-12");
  expect_row(sample_change(change_op::put, "e", ""), "bytes", "");
}

// The value is found in the JSON without parsing it; a key that looks like the field must not
// fool that.
TEST(CopyBinaryRowTest, AKeyThatLooksLikeTheValueFieldIsNotTakenForIt) {
  const std::string key = R"(x","value":"AAAA)";
  std::string out;
  append_copy_binary_row(out, *make_feed_event(sample_change(change_op::put, key, "real"), 1));
  binary_reader row(out);
  row.number(2);
  for (int i = 0; i < 4; ++i) row.field();
  EXPECT_EQ(row.field(), key);
  row.field();
  EXPECT_EQ(row.field(), "real");
}

// `COPY (SELECT * FROM kv_changes ORDER BY rev) TO STDOUT (FORMAT binary)` from PostgreSQL 15
// after inserting these two rows as text: (42, 7, 11, 'put', E'a\\b\tc', 'bytes',
// '\x61002262', 3, '2024-05-01 12:00:00.123+00', '2024-05-01 12:01:00.000+00') and
// (43, 7, 11, 'delete', 'gone', NULL, NULL, 3, '2024-05-01 12:00:00.123+00', NULL).
TEST(CopyBinaryRowTest, TheBytesAreThoseOfPostgresItself) {
  static constexpr char postgres[] =
      "PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0"
      "\0\x0a\0\0\0\x08\0\0\0\0\0\0\0\x2a\0\0\0\x04\0\0\0\x07\0\0\0\x08\0\0\0\0\0\0\0\x0b"
      "\0\0\0\x03put\0\0\0\x05\x61\\b\tc\0\0\0\x05"
      "bytes\0\0\0\x04\x61\0\"b"
      "\0\0\0\x08\0\0\0\0\0\0\0\x03\0\0\0\x08\0\x02\xba\x61\xfe\xa3\x30\x78"
      "\0\0\0\x08\0\x02\xba\x62\x02\x34\xd7\0"
      "\0\x0a\0\0\0\x08\0\0\0\0\0\0\0\x2b\0\0\0\x04\0\0\0\x07\0\0\0\x08\0\0\0\0\0\0\0\x0b"
      "\0\0\0\x06"
      "delete\0\0\0\x04gone\xff\xff\xff\xff\xff\xff\xff\xff"
      "\0\0\0\x08\0\0\0\0\0\0\0\x03\0\0\0\x08\0\x02\xba\x61\xfe\xa3\x30\x78\xff\xff\xff\xff"
      "\xff\xff";
  auto put = sample_change(change_op::put, "a\\b\tc", std::string("a\0\"b", 4));
  put.expires_at_ms = 1714564860000;
  std::string out(copy_binary_header);
  append_copy_binary_row(out, *make_feed_event(put, 42));
  append_copy_binary_row(out, *make_feed_event(sample_change(change_op::del, "gone", ""), 43));
  out += copy_binary_trailer;
  EXPECT_EQ(out, std::string_view(postgres, sizeof postgres - 1));
}

}  // namespace
}  // namespace kv::changelog
