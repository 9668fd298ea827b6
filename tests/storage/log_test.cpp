// The record log: round trips across block boundaries, LevelDB's on-disk layout, and how the
// reader tells a clean end, a torn or zero-filled tail and corruption apart; write failures.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "storage/coding.hpp"
#include "storage/crc32c.hpp"
#include "storage/log_format.hpp"
#include "storage/log_reader.hpp"
#include "storage/log_writer.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace kv::storage {
namespace {

using log_format::kBlockSize;
using log_format::kHeaderSize;
using testing::append_to_file;
using testing::fault_plan;
using testing::faulty_opener;
using testing::read_file;
using testing::temp_dir;
using testing::write_file;

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// Writes the records and returns the file offset where each one ends.
std::vector<std::uint64_t> write_log(const std::filesystem::path& path,
                                     const std::vector<std::string>& records,
                                     const file_opener& open_file = open_posix_file) {
  auto opened = open_file(path);
  EXPECT_TRUE(opened.ok());
  log_writer writer(std::move(opened.value()));
  std::vector<std::uint64_t> ends;
  for (const std::string& record : records) {
    writer.add_record(record);
    EXPECT_TRUE(writer.flush().ok());
    ends.push_back(writer.flushed_size());
  }
  return ends;
}

struct read_back {
  std::vector<std::string> records;
  std::vector<std::uint64_t> offsets;
  log_end_kind end = log_end_kind::clean;
  std::uint64_t valid_size = 0;
  log_damage problem;
  std::vector<log_damage> skipped;
};

read_back read_log(const std::filesystem::path& path, bool repair = false) {
  auto opened = log_reader::open(path, repair);
  EXPECT_TRUE(opened.ok());
  log_reader& reader = opened.value();
  read_back result;
  std::string payload;
  while (reader.read(payload)) {
    result.records.push_back(payload);
    result.offsets.push_back(reader.record_offset());
  }
  result.end = reader.end_kind();
  result.valid_size = reader.valid_size();
  result.problem = reader.problem();
  result.skipped = reader.skipped();
  return result;
}

void flip_byte(const std::filesystem::path& path, std::uint64_t offset) {
  std::string bytes = read_file(path);
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x40);
  write_file(path, bytes);
}

TEST(LogTest, RoundTripsSmallEmptyAndLargeRecords) {
  const temp_dir dir;
  const auto path = dir.path() / "wal.log";
  const std::vector<std::string> records = {
      "",
      "a",
      random_bytes(100, 1),
      random_bytes(kBlockSize - kHeaderSize, 2),  // fills a block exactly
      random_bytes(kBlockSize, 3),
      random_bytes(std::size_t{3} * 1024 * 1024, 4),
      random_bytes(1024 * 1024 + 1, 5),
      "",
      "last"};
  const auto ends = write_log(path, records);

  const read_back back = read_log(path);
  EXPECT_EQ(back.records, records);
  EXPECT_EQ(back.end, log_end_kind::clean);
  EXPECT_EQ(back.valid_size, ends.back());
  EXPECT_EQ(back.offsets.front(), 0u);
}

TEST(LogTest, RecordsAroundEveryBlockTrailerSize) {
  // The first record leaves 0 to 10 bytes in block 0; fewer than a header's 7 become a zero
  // trailer and the second record starts in block 1.
  for (std::size_t left = 0; left <= 10; ++left) {
    const temp_dir dir;
    const auto path = dir.path() / "wal.log";
    const std::vector<std::string> records = {random_bytes(kBlockSize - kHeaderSize - left, left),
                                              "second", random_bytes(40000, 7)};
    write_log(path, records);
    const read_back back = read_log(path);
    EXPECT_EQ(back.records, records) << left << " bytes left";
    EXPECT_EQ(back.end, log_end_kind::clean);
    const std::uint64_t second_start = left < kHeaderSize ? kBlockSize : kBlockSize - left;
    EXPECT_EQ(back.offsets[1], second_start) << left << " bytes left";
    if (left < kHeaderSize) {
      EXPECT_EQ(read_file(path).substr(kBlockSize - left, left), std::string(left, '\0'));
    }
  }
}

TEST(LogTest, FragmentsFollowLevelDbsLayout) {
  const temp_dir dir;
  const auto path = dir.path() / "wal.log";
  const std::string big = random_bytes(3 * kBlockSize, 9);
  write_log(path, {"hello", big});
  const std::string file = read_file(path);

  const auto header_at = [&](std::size_t offset) {
    const std::size_t length =
        static_cast<unsigned char>(file[offset + 4]) |
        (static_cast<std::size_t>(static_cast<unsigned char>(file[offset + 5])) << 8);
    return std::pair<std::size_t, int>(length, file[offset + 6]);
  };
  // "hello": one FULL fragment whose CRC covers the type byte and the data, masked.
  EXPECT_EQ(header_at(0), std::make_pair(std::size_t{5}, 1));
  const std::string typed = std::string(1, '\x01') + "hello";
  EXPECT_EQ(get_fixed32(file.data()), crc32c::mask(crc32c::value(typed)));
  // The big record: FIRST fills block 0, MIDDLE fills blocks 1 and 2, LAST ends in block 3.
  const std::size_t first = kHeaderSize + 5;
  EXPECT_EQ(header_at(first), std::make_pair(kBlockSize - first - kHeaderSize, 2));
  EXPECT_EQ(header_at(kBlockSize), std::make_pair(kBlockSize - kHeaderSize, 3));
  EXPECT_EQ(header_at(2 * kBlockSize), std::make_pair(kBlockSize - kHeaderSize, 3));
  EXPECT_EQ(header_at(3 * kBlockSize).second, 4);
}

TEST(LogTest, EmptyFileIsACleanEmptyLog) {
  const temp_dir dir;
  write_file(dir.path() / "wal.log", "");
  const read_back back = read_log(dir.path() / "wal.log");
  EXPECT_TRUE(back.records.empty());
  EXPECT_EQ(back.end, log_end_kind::clean);
}

TEST(LogTest, EveryTruncationPointYieldsThePrecedingRecordsAndATornTail) {
  const temp_dir dir;
  const auto full = dir.path() / "full.log";
  // An empty record, one leaving a 3-byte trailer at the end of block 0, one spanning blocks.
  // Letters, not random bytes: the search for valid data after each cut stays quick.
  const auto letters = [](std::size_t size, char first) {
    std::string bytes(size, first);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(first + i % 20);
    return bytes;
  };
  const std::vector<std::string> records = {letters(10, 'a'),  "",
                                            letters(300, 'b'), letters(32427, 'c'),
                                            letters(5, 'd'),   letters(33000, 'e'),
                                            letters(2000, 'f')};
  const auto ends = write_log(full, records);
  const std::string bytes = read_file(full);
  const auto cut = dir.path() / "cut.log";
  write_file(cut, bytes);

  for (std::uint64_t size = bytes.size(); size-- > 0;) {
    std::filesystem::resize_file(cut, size);
    const read_back back = read_log(cut);
    std::size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= size) ++complete;
    ASSERT_EQ(back.records.size(), complete) << "cut at " << size;
    ASSERT_TRUE(std::equal(back.records.begin(), back.records.end(), records.begin()));

    const std::uint64_t last_end = complete == 0 ? 0 : ends[complete - 1];
    const std::uint64_t block_end = (last_end / kBlockSize + 1) * kBlockSize;
    const bool only_trailer = block_end - last_end < kHeaderSize && size <= block_end;
    const log_end_kind expected =
        size == last_end || only_trailer ? log_end_kind::clean : log_end_kind::torn_tail;
    ASSERT_EQ(back.end, expected) << "cut at " << size;
    ASSERT_EQ(back.valid_size, last_end) << "cut at " << size;
  }
}

TEST(LogTest, ZeroFilledTailIsATornTail) {
  const temp_dir dir;
  const auto path = dir.path() / "wal.log";
  const std::vector<std::string> records = {"one", random_bytes(40000, 1), "three"};
  const auto ends = write_log(path, records);
  append_to_file(path, std::string(std::size_t{64} * 1024, '\0'));

  const read_back back = read_log(path);
  EXPECT_EQ(back.records, records);
  EXPECT_EQ(back.end, log_end_kind::torn_tail);
  EXPECT_EQ(back.valid_size, ends.back());
  EXPECT_EQ(back.problem.offset, ends.back());
  EXPECT_EQ(back.problem.reason, "zero-filled space");
}

TEST(LogTest, GarbageTailIsATornTail) {
  const temp_dir dir;
  const auto path = dir.path() / "wal.log";
  const auto ends = write_log(path, {"one", "two"});
  append_to_file(path, random_bytes(50000, 11));
  const read_back back = read_log(path);
  EXPECT_EQ(back.records.size(), 2u);
  EXPECT_EQ(back.end, log_end_kind::torn_tail);
  EXPECT_EQ(back.valid_size, ends.back());
}

class LogCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 10; ++i) records_.push_back(random_bytes(1000, 100 + i));
    ends_ = write_log(path_, records_);
  }
  std::uint64_t start_of(std::size_t record) const { return record == 0 ? 0 : ends_[record - 1]; }

  temp_dir dir_;
  std::filesystem::path path_ = dir_.path() / "wal.log";
  std::vector<std::string> records_;
  std::vector<std::uint64_t> ends_;
};

TEST_F(LogCorruptionTest, FlippedDataByteIsCorruptionAtItsRecordsOffset) {
  flip_byte(path_, start_of(4) + kHeaderSize + 500);
  const read_back back = read_log(path_);
  EXPECT_EQ(back.records, std::vector<std::string>(records_.begin(), records_.begin() + 4));
  EXPECT_EQ(back.end, log_end_kind::corruption);
  EXPECT_EQ(back.problem.offset, start_of(4));
  EXPECT_EQ(back.problem.reason, "checksum mismatch");
}

TEST_F(LogCorruptionTest, RepairSkipsTheDamagedRecordAndRecoversTheLaterOnes) {
  flip_byte(path_, start_of(4) + kHeaderSize + 500);
  const read_back back = read_log(path_, /*repair=*/true);
  std::vector<std::string> expected = records_;
  expected.erase(expected.begin() + 4);
  EXPECT_EQ(back.records, expected);
  EXPECT_EQ(back.end, log_end_kind::clean);
  ASSERT_EQ(back.skipped.size(), 1u);
  EXPECT_EQ(back.skipped[0].offset, start_of(4));
  EXPECT_EQ(back.skipped[0].length, ends_[4] - start_of(4));
}

TEST_F(LogCorruptionTest, FlippedLengthByteIsCorruption) {
  flip_byte(path_, start_of(2) + 5);  // the high byte of the length
  const read_back strict = read_log(path_);
  EXPECT_EQ(strict.records.size(), 2u);
  EXPECT_EQ(strict.end, log_end_kind::corruption);
  EXPECT_EQ(strict.problem.offset, start_of(2));

  const read_back repaired = read_log(path_, /*repair=*/true);
  EXPECT_EQ(repaired.records.size(), 9u);
  EXPECT_EQ(repaired.records.back(), records_.back());
}

TEST_F(LogCorruptionTest, DamagedLastRecordIsATornTail) {
  // Nothing valid follows it, so it cannot be told from an interrupted append.
  flip_byte(path_, start_of(9) + kHeaderSize + 10);
  const read_back back = read_log(path_);
  EXPECT_EQ(back.records.size(), 9u);
  EXPECT_EQ(back.end, log_end_kind::torn_tail);
  EXPECT_EQ(back.valid_size, start_of(9));
}

TEST(LogTest, CorruptionInsideARecordSpanningBlocks) {
  const temp_dir dir;
  const auto path = dir.path() / "wal.log";
  const std::vector<std::string> records = {"a", random_bytes(100000, 1), "c", "d"};
  const auto ends = write_log(path, records);
  // A byte of the MIDDLE fragment in block 1.
  flip_byte(path, kBlockSize + kHeaderSize + 100);

  const read_back strict = read_log(path);
  EXPECT_EQ(strict.records, std::vector<std::string>{"a"});
  EXPECT_EQ(strict.end, log_end_kind::corruption);
  EXPECT_EQ(strict.problem.offset, kBlockSize);

  const read_back repaired = read_log(path, /*repair=*/true);
  EXPECT_EQ(repaired.records, (std::vector<std::string>{"a", "c", "d"}));
  ASSERT_FALSE(repaired.skipped.empty());
  EXPECT_EQ(repaired.skipped.front().offset, ends[0]);  // the whole record is dropped
}

TEST(LogTest, FragmentsOutOfSequenceAreCorruption) {
  // Blocks of different logs spliced together: every fragment has a valid CRC, but a record
  // started in block 0 never ends, or block 1 goes on with a record that never started.
  const temp_dir dir;
  const auto spanning = dir.path() / "spanning.log";  // "x", then a record over 3 blocks
  write_log(spanning, {"x", random_bytes(3 * kBlockSize, 1)});
  const auto whole = dir.path() / "whole.log";  // a block of one record, then "y" and "z"
  write_log(whole, {random_bytes(kBlockSize - kHeaderSize, 2), "y", "z"});
  const std::string a = read_file(spanning);
  const std::string b = read_file(whole);
  const auto spliced = dir.path() / "spliced.log";

  write_file(spliced, a.substr(0, kBlockSize) + b.substr(kBlockSize));  // FIRST, then FULL
  const read_back unfinished = read_log(spliced);
  EXPECT_EQ(unfinished.records, std::vector<std::string>{"x"});
  EXPECT_EQ(unfinished.end, log_end_kind::corruption);
  EXPECT_EQ(unfinished.problem.offset, kBlockSize);
  const read_back unfinished_repaired = read_log(spliced, /*repair=*/true);
  EXPECT_EQ(unfinished_repaired.records, (std::vector<std::string>{"x", "y", "z"}));

  write_file(spliced, b.substr(0, kBlockSize) + a.substr(kBlockSize));  // FULL, then MIDDLE
  const read_back orphan = read_log(spliced);
  EXPECT_EQ(orphan.records.size(), 1u);
  EXPECT_EQ(orphan.end, log_end_kind::corruption);
  EXPECT_EQ(orphan.problem.offset, kBlockSize);
  const read_back orphan_repaired = read_log(spliced, /*repair=*/true);
  EXPECT_EQ(orphan_repaired.records.size(), 1u);
  EXPECT_EQ(orphan_repaired.end, log_end_kind::clean);
  ASSERT_EQ(orphan_repaired.skipped.size(), 1u);
  EXPECT_EQ(orphan_repaired.skipped[0].offset, kBlockSize);
}

TEST(LogTest, WriteFailureIsReportedAndTheFileCutBack) {
  const temp_dir dir;
  const auto path = dir.path() / "wal.log";
  const auto faults = std::make_shared<fault_plan>();
  auto opened = faulty_opener(faults)(path);
  ASSERT_TRUE(opened.ok());
  log_writer writer(std::move(opened.value()));
  writer.add_record("kept");
  ASSERT_TRUE(writer.flush().ok());
  const std::uint64_t size = writer.flushed_size();

  faults->write_error = ENOSPC;
  faults->partial_bytes = 10;  // a short write, then the error
  writer.add_record(random_bytes(5000, 1));
  const status failed = writer.flush();
  EXPECT_EQ(failed.code(), std::make_error_code(std::errc::no_space_on_device));
  EXPECT_NE(failed.message().find("wal.log"), std::string::npos);
  EXPECT_EQ(writer.flushed_size(), size);
  EXPECT_EQ(std::filesystem::file_size(path), size);
  EXPECT_TRUE(writer.health().ok());

  faults->write_error = 0;  // the disk has room again
  writer.add_record("after");
  ASSERT_TRUE(writer.flush().ok());
  const read_back back = read_log(path);
  EXPECT_EQ(back.records, (std::vector<std::string>{"kept", "after"}));
  EXPECT_EQ(back.end, log_end_kind::clean);
}

TEST(LogTest, SyncFailureIsReported) {
  const temp_dir dir;
  const auto faults = std::make_shared<fault_plan>();
  auto opened = faulty_opener(faults)(dir.path() / "wal.log");
  ASSERT_TRUE(opened.ok());
  log_writer writer(std::move(opened.value()));
  writer.add_record("x");
  faults->sync_error = ENOSPC;
  EXPECT_EQ(writer.sync().code(), std::make_error_code(std::errc::no_space_on_device));
  faults->sync_error = EIO;
  EXPECT_EQ(writer.sync().code(), std::make_error_code(std::errc::io_error));
}

TEST(LogTest, WriterIsBrokenWhenTheCutBackFails) {
  const temp_dir dir;
  const auto faults = std::make_shared<fault_plan>();
  auto opened = faulty_opener(faults)(dir.path() / "wal.log");
  ASSERT_TRUE(opened.ok());
  log_writer writer(std::move(opened.value()));
  faults->write_error = ENOSPC;
  faults->partial_bytes = 3;
  faults->truncate_error = EIO;
  writer.add_record("x");
  EXPECT_FALSE(writer.flush().ok());
  EXPECT_EQ(writer.health().code(), make_error_code(storage_errc::log_broken));

  faults->write_error = 0;
  writer.add_record("y");
  EXPECT_EQ(writer.flush().code(), make_error_code(storage_errc::log_broken));
}

}  // namespace
}  // namespace kv::storage
