// Snapshot files: write/read round trips, atomic publication (.tmp then rename), and damage,
// truncation or a failing disk reported as errors that name the file.
#include "storage/snapshot.hpp"

#include <gtest/gtest.h>

#include <map>

#include "storage/coding.hpp"
#include "storage/log_format.hpp"
#include "storage/log_reader.hpp"
#include "storage/log_writer.hpp"
#include "storage/partition_files.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace kv::storage {
namespace {

using testing::fault_plan;
using testing::faulty_opener;
using testing::read_file;
using testing::temp_dir;
using testing::write_file;

using entry_map = std::map<std::string, std::pair<std::string, std::uint64_t>>;

std::vector<snapshot_entry> make_entries(const entry_map& map) {
  std::vector<snapshot_entry> entries;
  for (const auto& [key, value] : map) {
    entries.push_back({key, shared_bytes::copy_of(value.first), value.second});
  }
  return entries;
}

result<snapshot_summary> read_into(const std::filesystem::path& path, entry_map& into) {
  return read_snapshot(path, [&](std::string key, std::string value, std::uint64_t version,
                                 value_type type, std::int64_t expires_at_ms) {
    EXPECT_EQ(type, value_type::bytes) << key;
    EXPECT_EQ(expires_at_ms, 0) << key;
    into[std::move(key)] = {std::move(value), version};
  });
}

entry_map sample_entries(std::size_t count) {
  entry_map map;
  for (std::size_t i = 0; i < count; ++i) {
    map["key-" + std::to_string(i)] = {std::string(i % 50, static_cast<char>('a' + i % 26)), i + 1};
  }
  map["big"] = {std::string(std::size_t{3} * 1024 * 1024, 'B'), 42};
  map["empty"] = {"", 1};
  return map;
}

TEST(SnapshotTest, WriteAndReadRoundTrip) {
  const temp_dir dir;
  const entry_map written = sample_entries(20000);
  ASSERT_TRUE(write_snapshot(dir.path(), 1234, make_entries(written)).ok());

  const auto path = snapshot_path(dir.path(), 1234);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(snapshot_temp_path(dir.path(), 1234)));
  entry_map read;
  const auto summary = read_into(path, read);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary.value().seq, 1234u);
  EXPECT_EQ(summary.value().entries, written.size());
  EXPECT_EQ(read, written);
}

TEST(SnapshotTest, EmptyPartitionRoundTrips) {
  const temp_dir dir;
  ASSERT_TRUE(write_snapshot(dir.path(), 0, {}).ok());
  entry_map read;
  const auto summary = read_into(snapshot_path(dir.path(), 0), read);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary.value().entries, 0u);
  EXPECT_TRUE(read.empty());
}

TEST(SnapshotTest, FlippedByteIsAnErrorNamingTheFile) {
  const temp_dir dir;
  ASSERT_TRUE(write_snapshot(dir.path(), 5, make_entries(sample_entries(5000))).ok());
  const auto path = snapshot_path(dir.path(), 5);
  std::string bytes = read_file(path);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  write_file(path, bytes);

  entry_map read;
  const auto summary = read_into(path, read);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code(), make_error_code(storage_errc::corruption));
  EXPECT_NE(summary.error().message().find(path.string()), std::string::npos);
  EXPECT_NE(summary.error().message().find("offset"), std::string::npos);
}

TEST(SnapshotTest, TruncatedSnapshotIsAnError) {
  const temp_dir dir;
  ASSERT_TRUE(write_snapshot(dir.path(), 5, make_entries(sample_entries(100))).ok());
  const auto path = snapshot_path(dir.path(), 5);
  const std::string bytes = read_file(path);
  // Cut at a record boundary too: a file that ends cleanly but without its trailer.
  for (const std::size_t size : {bytes.size() - 1, bytes.size() - 10, bytes.size() / 2,
                                 log_format::kBlockSize, std::size_t{0}}) {
    write_file(path, bytes.substr(0, size));
    entry_map read;
    EXPECT_FALSE(read_into(path, read).ok()) << "cut at " << size;
  }
}

TEST(SnapshotTest, MissingTrailerIsAnErrorEvenAtARecordBoundary) {
  const temp_dir dir;
  ASSERT_TRUE(write_snapshot(dir.path(), 5, make_entries(sample_entries(100))).ok());
  const auto path = snapshot_path(dir.path(), 5);
  auto reader = log_reader::open(path, false);
  ASSERT_TRUE(reader.ok());
  std::string payload;
  std::uint64_t trailer_offset = 0;
  while (reader.value().read(payload)) trailer_offset = reader.value().record_offset();
  std::filesystem::resize_file(path, trailer_offset);

  entry_map read;
  const auto summary = read_into(path, read);
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.error().message().find("no trailer"), std::string::npos);
}

TEST(SnapshotTest, TrailerCountMustMatchTheEntries) {
  // Written by hand in the snapshot format: header, one batch of one entry, a trailer of 2.
  const temp_dir dir;
  const auto path = snapshot_path(dir.path(), 4);
  auto opened = open_posix_file(path);
  ASSERT_TRUE(opened.ok());
  log_writer writer(std::move(opened.value()));
  std::string header = "Hkvsnap";
  put_varint(header, 1);  // format
  put_varint(header, 4);  // seq
  writer.add_record(header);
  std::string batch = "E";
  put_varint(batch, 1);
  put_length_prefixed(batch, "key");
  put_length_prefixed(batch, "value");
  put_varint(batch, 1);
  writer.add_record(batch);
  writer.add_record("T\x02");
  ASSERT_TRUE(writer.flush().ok());

  entry_map read;
  const auto summary = read_into(path, read);
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.error().message().find("count"), std::string::npos);
}

TEST(SnapshotTest, UnpublishedWriterRemovesItsTemporaryFile) {
  const temp_dir dir;
  auto created = snapshot_writer::create(dir.path(), 9, open_posix_file);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(created.value()->add("k", "v", 1).ok());
  ASSERT_TRUE(created.value()->finish().ok());
  EXPECT_TRUE(std::filesystem::exists(snapshot_temp_path(dir.path(), 9)));
  created.value().reset();  // e.g. the log sync before publishing failed
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SnapshotTest, DiskFullLeavesNoSnapshotBehind) {
  const temp_dir dir;
  const auto faults = std::make_shared<fault_plan>();
  faults->write_error = ENOSPC;
  const status written =
      write_snapshot(dir.path(), 7, make_entries(sample_entries(1000)), faulty_opener(faults));
  EXPECT_EQ(written.code(), std::make_error_code(std::errc::no_space_on_device));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SnapshotTest, FailedFsyncPublishesNothing) {
  const temp_dir dir;
  const auto faults = std::make_shared<fault_plan>();
  faults->sync_error = EIO;
  const status written =
      write_snapshot(dir.path(), 7, make_entries(sample_entries(10)), faulty_opener(faults));
  EXPECT_EQ(written.code(), std::make_error_code(std::errc::io_error));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// Format 1, from before typed values: header, one batch of `entries` entries, a trailer.
// A snapshot as an earlier release wrote it: format 1 (bytes only) or 2 (a type byte, here
// int, after each version).
void write_old_snapshot(const std::filesystem::path& path, const entry_map& entries,
                        std::uint64_t format) {
  auto opened = open_posix_file(path);
  ASSERT_TRUE(opened.ok());
  log_writer writer(std::move(opened.value()));
  std::string header = "Hkvsnap";
  put_varint(header, format);
  put_varint(header, 9);  // seq
  writer.add_record(header);
  std::string batch = "E";
  put_varint(batch, entries.size());
  for (const auto& [key, value] : entries) {
    put_length_prefixed(batch, key);
    put_length_prefixed(batch, value.first);
    put_varint(batch, value.second);
    if (format == 2) batch.push_back(static_cast<char>(value_type::int64));
  }
  writer.add_record(batch);
  std::string trailer = "T";
  put_varint(trailer, entries.size());
  writer.add_record(trailer);
  ASSERT_TRUE(writer.flush().ok());
}

TEST(SnapshotTest, SnapshotsFromBeforeTypedValuesReadAsBytes) {
  const temp_dir dir;
  const entry_map written = {{"a", {"1", 1}}, {"b", {"[\"x\"]", 7}}};
  write_old_snapshot(snapshot_path(dir.path(), 9), written, 1);
  entry_map read;  // read_into checks that every entry is bytes
  const auto summary = read_into(snapshot_path(dir.path(), 9), read);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary.value().seq, 9u);
  EXPECT_EQ(read, written);
}

// Every entry of the snapshot at `path`, with its type and deadline, appended to `read`.
result<snapshot_summary> read_entries(const std::filesystem::path& path,
                                      std::vector<snapshot_entry>& read) {
  return read_snapshot(path, [&](std::string key, std::string value, std::uint64_t version,
                                 value_type type, std::int64_t expires_at_ms) {
    read.push_back({std::move(key), shared_bytes::copy_of(value), version, type, expires_at_ms});
  });
}

TEST(SnapshotTest, SnapshotsFromBeforeExpiryReadWithoutDeadlines) {
  const temp_dir dir;
  write_old_snapshot(snapshot_path(dir.path(), 9), {{"a", {"1", 1}}, {"b", {"-5", 7}}}, 2);
  std::vector<snapshot_entry> read;
  const auto summary = read_entries(snapshot_path(dir.path(), 9), read);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1].key, "b");
  EXPECT_EQ(read[1].value.view(), "-5");
  EXPECT_EQ(read[1].type, value_type::int64);
  EXPECT_EQ(read[1].expires_at_ms, 0);
}

TEST(SnapshotTest, TypedEntriesKeepTheirTypeAndDeadline) {
  const temp_dir dir;
  std::vector<snapshot_entry> entries;
  for (std::uint8_t byte = 0; byte <= max_value_type; ++byte) {
    entries.push_back({"key-" + std::to_string(byte), shared_bytes::copy_of("text"), byte + 1u,
                       static_cast<value_type>(byte), byte % 2 ? 1'700'000'000'000 + byte : 0});
  }
  ASSERT_TRUE(write_snapshot(dir.path(), 5, entries).ok());
  std::vector<snapshot_entry> read;
  const auto summary = read_entries(snapshot_path(dir.path(), 5), read);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  ASSERT_EQ(read.size(), entries.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].key, entries[i].key);
    EXPECT_EQ(read[i].value.view(), "text");
    EXPECT_EQ(read[i].version, entries[i].version);
    EXPECT_EQ(read[i].type, entries[i].type);
    EXPECT_EQ(read[i].expires_at_ms, entries[i].expires_at_ms);
  }
}

TEST(SnapshotTest, StaleTemporaryFileIsOverwritten) {
  const temp_dir dir;
  write_file(snapshot_temp_path(dir.path(), 3), std::string(100000, 'x'));
  const entry_map written = sample_entries(10);
  ASSERT_TRUE(write_snapshot(dir.path(), 3, make_entries(written)).ok());
  entry_map read;
  ASSERT_TRUE(read_into(snapshot_path(dir.path(), 3), read).ok());
  EXPECT_EQ(read, written);
}

}  // namespace
}  // namespace kv::storage
