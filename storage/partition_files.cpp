// Naming and listing a partition's files. Names are parsed strictly (prefix, exactly 20
// digits, suffix), so a stray file such as an editor backup is never mistaken for a log.
#include "storage/partition_files.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace kv::storage {
namespace {

constexpr std::size_t kSeqDigits = 20;  // UINT64_MAX has 20 digits

std::string numbered_name(std::string_view prefix, std::uint64_t seq, std::string_view suffix) {
  std::string digits = std::to_string(seq);
  std::string name(prefix);
  name.append(kSeqDigits - digits.size(), '0');
  name += digits;
  name += suffix;
  return name;
}

std::optional<std::uint64_t> parse_numbered_name(std::string_view name, std::string_view prefix,
                                                 std::string_view suffix) {
  if (name.size() != prefix.size() + kSeqDigits + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(prefix.size(), kSeqDigits);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return seq;
}

constexpr std::string_view kWalPrefix = "wal-";
constexpr std::string_view kWalSuffix = ".log";
constexpr std::string_view kSnapshotPrefix = "snapshot-";
constexpr std::string_view kSnapshotSuffix = ".snap";
constexpr std::string_view kTempSuffix = ".tmp";

}  // namespace

std::filesystem::path partition_directory(const std::filesystem::path& data_dir,
                                          std::size_t partition_id) {
  return data_dir / ("partition-" + std::to_string(partition_id));
}

std::filesystem::path wal_path(const std::filesystem::path& directory, std::uint64_t first_seq) {
  return directory / numbered_name(kWalPrefix, first_seq, kWalSuffix);
}

std::filesystem::path snapshot_path(const std::filesystem::path& directory, std::uint64_t seq) {
  return directory / numbered_name(kSnapshotPrefix, seq, kSnapshotSuffix);
}

std::filesystem::path snapshot_temp_path(const std::filesystem::path& directory,
                                         std::uint64_t seq) {
  return directory / numbered_name(kSnapshotPrefix, seq, kTempSuffix);
}

result<partition_files> list_partition_files(const std::filesystem::path& directory) {
  partition_files files;
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (const auto seq = parse_numbered_name(name, kWalPrefix, kWalSuffix)) {
      files.wal_files.push_back({*seq, it->path()});
    } else if (const auto snapshot_seq =
                   parse_numbered_name(name, kSnapshotPrefix, kSnapshotSuffix)) {
      files.snapshots.push_back({*snapshot_seq, it->path()});
    } else if (parse_numbered_name(name, kSnapshotPrefix, kTempSuffix)) {
      files.interrupted_snapshots.push_back(it->path());
    }
  }
  if (error) return status(error, "list " + directory.string() + ": " + error.message());
  const auto by_seq = [](const numbered_file& a, const numbered_file& b) { return a.seq < b.seq; };
  std::sort(files.wal_files.begin(), files.wal_files.end(), by_seq);
  std::sort(files.snapshots.begin(), files.snapshots.end(), by_seq);
  return files;
}

}  // namespace kv::storage
