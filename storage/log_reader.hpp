// Reads back the records of a log file and says how it ends: cleanly, in a torn or zero-filled
// tail (cut it off with a warning), or in corruption before the tail (refuse, unless repairing).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "storage/file.hpp"
#include "storage/status.hpp"

namespace kv::storage {

enum class log_end_kind {
  clean,       // every byte belongs to a complete record (or a block's zero trailer)
  torn_tail,   // after valid_size() comes nothing that holds a valid fragment: an interrupted
               // append or zero-filled space, safe to cut off
  corruption,  // damaged bytes followed by valid data: records were lost from the middle
  read_error,  // the file could not be read
};

// Bytes the reader could not use: where they start, how many, and why.
struct log_damage {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::string reason;
};

class log_reader {
 public:
  // In repair mode, corruption does not stop the reader: it drops the damaged bytes, carries
  // on at the next valid fragment and lists what it dropped in skipped().
  static result<log_reader> open(const std::filesystem::path& path, bool repair);

  // The next complete record into `payload`; false when there is none, and end_kind() says why.
  bool read(std::string& payload);

  // Where the record last returned by read() starts in the file.
  std::uint64_t record_offset() const { return record_offset_; }
  log_end_kind end_kind() const { return end_kind_; }
  // Just past the last complete record: the size to cut a torn tail back to.
  std::uint64_t valid_size() const { return valid_size_; }
  // For torn_tail, corruption and read_error: where reading stopped, and why.
  const log_damage& problem() const { return problem_; }
  // Repair mode: every region dropped because of corruption.
  const std::vector<log_damage>& skipped() const { return skipped_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint64_t file_size() const { return file_size_; }

 private:
  struct fragment;

  log_reader(unique_fd fd, std::filesystem::path path, std::uint64_t file_size, bool repair);

  fragment next_fragment();
  // Validates the fragment header at `offset` in `block` (the block holding it).
  fragment check_fragment(std::string_view block, std::uint64_t block_start,
                          std::uint64_t offset) const;
  bool load_block(std::uint64_t block_start, std::string& into, std::uint64_t& loaded_start);
  // The first offset at or after `from` where a valid fragment starts; file_size_ if none.
  std::uint64_t find_valid_fragment(std::uint64_t from);
  // A bad fragment at `offset`: decides torn tail against corruption. Returns true when
  // reading may go on (repair mode, moved to the next valid fragment), false when it ends.
  bool handle_damage(std::uint64_t offset, const char* reason);
  // Damage with valid data after it: ends reading unless repairing (then returns true).
  bool handle_corruption(std::uint64_t offset, const char* reason);
  void skip(std::uint64_t from, std::uint64_t to, const char* reason);
  void fail_read(const status& error);

  unique_fd fd_;
  std::filesystem::path path_;
  std::uint64_t file_size_;
  bool repair_;

  std::string block_;
  std::uint64_t block_start_ = UINT64_MAX;  // file offset of what block_ holds
  std::string scan_block_;
  std::uint64_t scan_block_start_ = UINT64_MAX;
  std::uint64_t position_ = 0;  // next fragment header

  bool in_record_ = false;  // inside a FIRST ... LAST sequence
  std::uint64_t partial_start_ = 0;
  std::uint64_t record_offset_ = 0;
  std::uint64_t valid_size_ = 0;
  bool done_ = false;
  log_end_kind end_kind_ = log_end_kind::clean;
  log_damage problem_;
  std::vector<log_damage> skipped_;
};

}  // namespace kv::storage
