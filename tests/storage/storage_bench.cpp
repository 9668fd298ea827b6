// By-hand measurements of the storage layer, not a test: log append rates by sync frequency,
// copying, writing and reading a snapshot of 1 million keys, and replaying a log. Usage:
//   cmake --build build/storage --target kv_storage_bench && build/storage/bin/kv_storage_bench
//   [DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/partition_store.hpp"
#include "storage/log_writer.hpp"
#include "storage/partition_files.hpp"
#include "storage/partition_log.hpp"
#include "storage/snapshot.hpp"

namespace {

using kv::storage::log_writer;
using seconds = std::chrono::duration<double>;

template <class Work>
double time_seconds(Work&& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return seconds(std::chrono::steady_clock::now() - start).count();
}

void check(const kv::storage::status& outcome) {
  if (!outcome.ok()) {
    std::fprintf(stderr, "failed: %s\n", outcome.message().c_str());
    std::exit(1);
  }
}

// Appends `records` 100-byte records with one write() every `flush_every` records (1: as a
// partition answering each message on its own) and an fdatasync every `sync_every` (0: never).
void measure_appends(const std::filesystem::path& dir, int records, int flush_every,
                     int sync_every) {
  const auto path = dir / "bench.log";
  std::filesystem::remove(path);
  auto opened = kv::storage::open_posix_file(path);
  check(opened.ok() ? kv::storage::status() : opened.error());
  log_writer writer(std::move(opened.value()));
  const std::string payload(100, 'x');
  const double elapsed = time_seconds([&] {
    for (int i = 1; i <= records; ++i) {
      writer.add_record(payload);
      if (i % flush_every == 0) check(writer.flush());
      if (sync_every != 0 && i % sync_every == 0) check(writer.file()->sync());
    }
    check(writer.flush());
  });
  const std::string syncs = sync_every == 0 ? "never" : "every " + std::to_string(sync_every);
  std::printf(
      "append 100 B, write() every %3d, fdatasync %-9s: %7d records in %6.3f s: "
      "%8.0f records/s, %6.2f us each\n",
      flush_every, syncs.c_str(), records, elapsed, records / elapsed, elapsed / records * 1e6);
  std::filesystem::remove(path);
}

void measure_snapshot(const std::filesystem::path& dir, std::size_t keys) {
  kv::partition_store store;
  char key[32];
  for (std::size_t i = 0; i < keys; ++i) {
    std::snprintf(key, sizeof key, "user:%010zu", i);  // 15 bytes: short-string optimised
    store.put(key, shared_bytes::copy_of(std::string(16, 'v')), std::nullopt);
  }
  kv::scan_query everything;
  everything.limit = SIZE_MAX;
  everything.with_values = true;

  std::vector<kv::storage::snapshot_entry> entries;
  const double copy = time_seconds([&] { entries = store.scan(everything).items; });
  std::printf("copy %zu keys (scan with values, shared values): %.1f ms\n", keys, copy * 1e3);

  const double again = time_seconds([&] { entries = store.scan(everything).items; });
  std::printf("copy them again (memory already touched once): %.1f ms\n", again * 1e3);

  // In chunks, as an actor would across several turns: the longest stall is one chunk.
  std::vector<kv::storage::snapshot_entry> chunked;
  chunked.reserve(keys);
  kv::scan_query chunk = everything;
  chunk.limit = 4096;
  double longest_chunk = 0;
  const double all_chunks = time_seconds([&] {
    for (;;) {
      kv::scan_page page;
      longest_chunk = std::max(longest_chunk, time_seconds([&] { page = store.scan(chunk); }));
      if (page.items.empty()) break;
      chunk.after = page.items.back().key;
      for (auto& item : page.items) chunked.push_back(std::move(item));
    }
  });
  std::printf("copy in chunks of 4096 keys: %.1f ms in all, %.2f ms the longest chunk\n",
              all_chunks * 1e3, longest_chunk * 1e3);

  const double write = time_seconds([&] { check(kv::storage::write_snapshot(dir, 1, entries)); });
  const auto path = kv::storage::snapshot_path(dir, 1);
  std::printf("write snapshot of %zu x 16 B values (%.1f MB, with fsync): %.1f ms\n", keys,
              static_cast<double>(std::filesystem::file_size(path)) / 1e6, write * 1e3);

  std::size_t read_entries = 0;
  const double read = time_seconds([&] {
    const auto summary =
        kv::storage::read_snapshot(path, [&](std::string, std::string, std::uint64_t,
                                             kv::value_type, std::int64_t) { ++read_entries; });
    check(summary.ok() ? kv::storage::status() : summary.error());
  });
  std::printf("read it back (%zu entries, page cache warm): %.1f ms\n", read_entries, read * 1e3);

  const double release = time_seconds([&] { entries = {}; });
  std::printf("free the copy: %.1f ms\n", release * 1e3);
  std::filesystem::remove(path);
}

// Replays a log of `records` puts of 16-byte values, as a restart would.
void measure_recovery(const std::filesystem::path& dir, std::uint64_t records) {
  const auto partition = dir / "bench-partition";
  std::filesystem::remove_all(partition);
  kv::storage::partition_log_options options;
  options.directory = partition;
  options.fsync = kv::storage::fsync_mode::no;
  kv::storage::recovery_report report;
  {
    auto log = kv::storage::partition_log::open(
        options, [](kv::storage::wal_record&&) {}, report);
    check(log.ok() ? kv::storage::status() : log.error());
    const std::string value(16, 'v');
    char key[32];
    for (std::uint64_t seq = 1; seq <= records; ++seq) {
      std::snprintf(key, sizeof key, "user:%010llu", static_cast<unsigned long long>(seq));
      static_cast<void>(log.value().append({kv::storage::wal_op::put, seq, 1, key, value}));
      if (seq % 1000 == 0) check(log.value().flush().error);
    }
    check(log.value().flush().error);
  }
  std::uint64_t replayed = 0;
  const double elapsed = time_seconds([&] {
    auto log = kv::storage::partition_log::open(
        options, [&](kv::storage::wal_record&&) { ++replayed; }, report);
    check(log.ok() ? kv::storage::status() : log.error());
  });
  std::printf("recover a log of %llu puts (page cache warm, no store): %.1f ms\n",
              static_cast<unsigned long long>(replayed), elapsed * 1e3);
  std::filesystem::remove_all(partition);
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path();
  measure_appends(dir, 2000, 1, 1);
  measure_appends(dir, 100000, 1, 100);
  measure_appends(dir, 200000, 100, 100);  // group commit: one write and one sync per 100
  measure_appends(dir, 1000000, 1, 0);
  measure_appends(dir, 1000000, 100, 0);
  measure_snapshot(dir, 1000000);
  measure_recovery(dir, 1000000);
}
