// Snapshot files: a header record (magic, format, seq), entry records holding batches of
// entries, and a trailer with the total count, so that a file cut short is never taken whole.
#include "storage/snapshot.hpp"

#include "storage/coding.hpp"
#include "storage/log_reader.hpp"
#include "storage/partition_files.hpp"

namespace kv::storage {
namespace {

constexpr char kHeaderTag = 'H';
constexpr char kEntriesTag = 'E';
constexpr char kTrailerTag = 'T';
constexpr std::string_view kMagic = "kvsnap";
// Format 2 added a type byte after each entry's version, format 3 a varint expiry deadline after
// it (0 = none); format 1 files hold only bytes.
constexpr std::uint64_t kUntypedFormatVersion = 1;
constexpr std::uint64_t kTypedFormatVersion = 2;
constexpr std::uint64_t kFormatVersion = 3;

constexpr std::size_t kBatchBytes = std::size_t{64} << 10;
// Bounds the writer's buffer: writes of 1 MiB already go at the disk's speed.
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

}  // namespace

result<std::unique_ptr<snapshot_writer>> snapshot_writer::create(
    const std::filesystem::path& directory, std::uint64_t seq, const file_opener& open_file) {
  auto opened = open_file(snapshot_temp_path(directory, seq));
  if (!opened.ok()) return opened.error();
  std::shared_ptr<writable_file> file = std::move(opened.value());
  if (file->size() != 0) {
    if (status emptied = file->truncate(0); !emptied.ok()) return emptied;
  }
  std::unique_ptr<snapshot_writer> writer(new snapshot_writer(std::move(file), directory, seq));
  std::string header(1, kHeaderTag);
  header += kMagic;
  put_varint(header, kFormatVersion);
  put_varint(header, seq);
  writer->writer_.add_record(header);
  return writer;
}

snapshot_writer::snapshot_writer(std::shared_ptr<writable_file> file,
                                 std::filesystem::path directory, std::uint64_t seq)
    : writer_(std::move(file)),
      directory_(std::move(directory)),
      final_path_(snapshot_path(directory_, seq)),
      seq_(seq) {}

snapshot_writer::~snapshot_writer() {
  if (published_) return;
  std::error_code ignored;  // recovery removes whatever is left
  std::filesystem::remove(writer_.file()->path(), ignored);
}

status snapshot_writer::add(std::string_view key, std::string_view value, std::uint64_t version,
                            value_type type, std::int64_t expires_at_ms) {
  put_length_prefixed(batch_, key);
  put_length_prefixed(batch_, value);
  put_varint(batch_, version);
  batch_.push_back(static_cast<char>(type));
  put_varint(batch_, static_cast<std::uint64_t>(expires_at_ms));
  ++batch_entries_;
  return batch_.size() >= kBatchBytes ? add_batch() : status();
}

status snapshot_writer::add_batch() {
  if (batch_entries_ == 0) return {};
  std::string record(1, kEntriesTag);
  put_varint(record, batch_entries_);
  record += batch_;
  writer_.add_record(record);
  total_entries_ += batch_entries_;
  batch_.clear();
  batch_entries_ = 0;
  return writer_.buffered_bytes() >= kFlushBytes ? writer_.flush() : status();
}

status snapshot_writer::finish() {
  if (status added = add_batch(); !added.ok()) return added;
  std::string trailer(1, kTrailerTag);
  put_varint(trailer, total_entries_);
  writer_.add_record(trailer);
  return writer_.sync();
}

status snapshot_writer::publish() {
  std::error_code error;
  std::filesystem::rename(writer_.file()->path(), final_path_, error);
  if (error) {
    return {error, "rename " + writer_.file()->path().string() + " to " + final_path_.string() +
                       ": " + error.message()};
  }
  published_ = true;
  return sync_directory(directory_);
}

result<std::unique_ptr<snapshot_writer>> write_unpublished_snapshot(
    const std::filesystem::path& directory, std::uint64_t seq,
    std::span<const snapshot_entry> entries, const file_opener& open_file) {
  auto created = snapshot_writer::create(directory, seq, open_file);
  if (!created.ok()) return created.error();
  snapshot_writer& writer = *created.value();
  for (const snapshot_entry& entry : entries) {
    if (status added = writer.add(entry.key, entry.value.view(), entry.version, entry.type,
                                  entry.expires_at_ms);
        !added.ok()) {
      return added;
    }
  }
  if (status finished = writer.finish(); !finished.ok()) return finished;
  return created;
}

status write_snapshot(const std::filesystem::path& directory, std::uint64_t seq,
                      std::span<const snapshot_entry> entries, const file_opener& open_file) {
  auto written = write_unpublished_snapshot(directory, seq, entries, open_file);
  if (!written.ok()) return written.error();
  return written.value()->publish();
}

result<snapshot_summary> read_snapshot(const std::filesystem::path& file,
                                       const snapshot_entry_sink& on_entry) {
  auto opened = log_reader::open(file, /*repair=*/false);
  if (!opened.ok()) return opened.error();
  log_reader& reader = opened.value();
  const auto malformed = [&](const char* what) {
    return status::corruption("snapshot " + file.string() + " has " + what + " at offset " +
                              std::to_string(reader.record_offset()));
  };

  std::string payload;
  snapshot_summary summary;
  bool has_header = false;
  std::uint64_t format = 0;
  bool has_trailer = false;
  while (reader.read(payload)) {
    if (has_trailer) return malformed("data after its trailer");
    byte_reader in(payload);
    const auto tag = in.get_byte();
    if (!has_header) {
      const bool magic_ok = tag == kHeaderTag && in.rest().starts_with(kMagic);
      if (!magic_ok) return malformed("no snapshot header");
      in = byte_reader(in.rest().substr(kMagic.size()));
      const auto header_format = in.get_varint();
      const auto seq = in.get_varint();
      const bool known = header_format && *header_format >= kUntypedFormatVersion &&
                         *header_format <= kFormatVersion;
      if (!known || !seq || !in.empty()) return malformed("an unknown header");
      format = *header_format;
      summary.seq = *seq;
      has_header = true;
    } else if (tag == kEntriesTag) {
      const auto count = in.get_varint();
      if (!count || *count == 0) return malformed("an empty entry batch");
      for (std::uint64_t i = 0; i < *count; ++i) {
        const auto key = in.get_length_prefixed();
        const auto value = in.get_length_prefixed();
        const auto version = in.get_varint();
        if (!key || !value || !version) return malformed("a malformed entry");
        std::optional<value_type> type = value_type::bytes;
        if (format >= kTypedFormatVersion) {
          const auto type_byte = in.get_byte();
          type = type_byte ? type_from_byte(*type_byte) : std::nullopt;
          if (!type) return malformed("an entry of unknown type");
        }
        std::optional<std::uint64_t> deadline = 0;
        if (format >= kFormatVersion) deadline = in.get_varint();
        if (!deadline || *deadline > INT64_MAX) return malformed("a malformed deadline");
        on_entry(std::string(*key), std::string(*value), *version, *type,
                 static_cast<std::int64_t>(*deadline));
      }
      if (!in.empty()) return malformed("bytes after its entries");
      summary.entries += *count;
    } else if (tag == kTrailerTag) {
      const auto total = in.get_varint();
      if (!total || !in.empty()) return malformed("a malformed trailer");
      if (*total != summary.entries) return malformed("a trailer whose count does not match");
      has_trailer = true;
    } else {
      return malformed("an unknown record");
    }
  }
  if (reader.end_kind() == log_end_kind::read_error) {
    return status(std::make_error_code(std::errc::io_error), reader.problem().reason);
  }
  if (reader.end_kind() != log_end_kind::clean) {
    return status::corruption("snapshot " + file.string() + " is damaged at offset " +
                              std::to_string(reader.problem().offset) + " (" +
                              reader.problem().reason + ")");
  }
  if (!has_trailer) {
    return status::corruption("snapshot " + file.string() + " is incomplete: it has no trailer");
  }
  return summary;
}

}  // namespace kv::storage
