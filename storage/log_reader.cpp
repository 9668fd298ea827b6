// Log reading: fragments are checked (type, length, CRC) and reassembled into records. At the
// first bad fragment the rest of the file is searched for any valid fragment, which tells an
// interrupted tail (nothing valid after it) from corruption in the middle (valid data after it).
#include "storage/log_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "storage/coding.hpp"
#include "storage/crc32c.hpp"
#include "storage/log_format.hpp"

namespace kv::storage {

using log_format::kBlockSize;
using log_format::kHeaderSize;
using log_format::record_type;

struct log_reader::fragment {
  enum class kind { valid, bad, end_of_file, read_failed };
  kind what = kind::valid;
  record_type type = record_type::zero;
  std::string_view data;
  std::uint64_t offset = 0;
  // A literal: the search for valid fragments checks every byte offset and must not allocate.
  const char* reason = "";

  static fragment other(kind what, std::uint64_t offset, const char* reason = "") {
    fragment piece;
    piece.what = what;
    piece.offset = offset;
    piece.reason = reason;
    return piece;
  }
};

result<log_reader> log_reader::open(const std::filesystem::path& path, bool repair) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return status::from_errno(errno, "open " + path.string());
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return status::from_errno(errno, "stat " + path.string());
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return log_reader(std::move(fd), path, static_cast<std::uint64_t>(info.st_size), repair);
}

log_reader::log_reader(unique_fd fd, std::filesystem::path path, std::uint64_t file_size,
                       bool repair)
    : fd_(std::move(fd)), path_(std::move(path)), file_size_(file_size), repair_(repair) {}

bool log_reader::read(std::string& payload) {
  in_record_ = false;
  payload.clear();
  while (!done_) {
    const fragment piece = next_fragment();
    switch (piece.what) {
      case fragment::kind::read_failed:
        return false;
      case fragment::kind::end_of_file:
        if (!in_record_) {
          done_ = true;
          return false;
        }
        handle_damage(position_, "record cut off at the end of the file");
        continue;
      case fragment::kind::bad:
        if (handle_damage(piece.offset, piece.reason)) payload.clear();
        continue;
      case fragment::kind::valid:
        break;
    }
    const bool starts_record = piece.type == record_type::full || piece.type == record_type::first;
    if (starts_record && in_record_) {
      // The partial record before it never got its LAST fragment.
      if (!handle_corruption(piece.offset, "record without its last fragment")) return false;
      skip(partial_start_, piece.offset, "record without its last fragment");
      in_record_ = false;
    }
    if (!starts_record && !in_record_) {
      if (!handle_corruption(piece.offset, "fragment without the start of its record")) {
        return false;
      }
      skip(piece.offset, position_, "fragment without the start of its record");
      continue;
    }
    switch (piece.type) {
      case record_type::full:
        payload.assign(piece.data);
        record_offset_ = piece.offset;
        valid_size_ = position_;
        return true;
      case record_type::first:
        payload.assign(piece.data);
        in_record_ = true;
        partial_start_ = piece.offset;
        break;
      case record_type::middle:
        payload.append(piece.data);
        break;
      case record_type::last:
        payload.append(piece.data);
        in_record_ = false;
        record_offset_ = partial_start_;
        valid_size_ = position_;
        return true;
      case record_type::zero:
        break;  // check_fragment never lets it through
    }
  }
  return false;
}

log_reader::fragment log_reader::next_fragment() {
  while (position_ < file_size_) {
    const std::uint64_t in_block = position_ % kBlockSize;
    if (kBlockSize - in_block < kHeaderSize) {
      // A zero trailer too short for a header; it may also end the file.
      position_ = std::min(file_size_, position_ + (kBlockSize - in_block));
      continue;
    }
    const std::uint64_t start = position_ - in_block;
    if (!load_block(start, block_, block_start_)) {
      return fragment::other(fragment::kind::read_failed, position_);
    }
    fragment piece = check_fragment(block_, start, position_);
    if (piece.what == fragment::kind::valid) position_ += kHeaderSize + piece.data.size();
    return piece;
  }
  return fragment::other(fragment::kind::end_of_file, position_);
}

log_reader::fragment log_reader::check_fragment(std::string_view block, std::uint64_t block_start,
                                                std::uint64_t offset) const {
  const auto bad = [offset](const char* reason) {
    return fragment::other(fragment::kind::bad, offset, reason);
  };
  const std::size_t in_block = offset - block_start;
  const std::size_t in_file = block.size() - in_block;  // a short block is the file's last
  if (in_file < kHeaderSize) return bad("fragment header cut off at the end of the file");
  const char* header = block.data() + in_block;
  if (std::all_of(header, header + kHeaderSize, [](char c) { return c == 0; })) {
    return bad("zero-filled space");
  }
  const auto type = static_cast<std::uint8_t>(header[6]);
  if (type == 0 || type > log_format::kMaxRecordType) return bad("unknown fragment type");
  const std::size_t length = static_cast<unsigned char>(header[4]) |
                             (static_cast<std::size_t>(static_cast<unsigned char>(header[5])) << 8);
  if (kHeaderSize + length > kBlockSize - in_block) {
    return bad("fragment length overruns its block");
  }
  if (kHeaderSize + length > in_file) return bad("fragment cut off at the end of the file");
  const char* data = header + kHeaderSize;
  const std::uint32_t actual = crc32c::extend(crc32c::value(&type, 1), data, length);
  if (crc32c::unmask(get_fixed32(header)) != actual) return bad("checksum mismatch");
  return {.what = fragment::kind::valid,
          .type = static_cast<record_type>(type),
          .data = std::string_view(data, length),
          .offset = offset};
}

bool log_reader::load_block(std::uint64_t block_start, std::string& into,
                            std::uint64_t& loaded_start) {
  if (loaded_start == block_start) return true;
  loaded_start = UINT64_MAX;
  into.resize(std::min<std::uint64_t>(kBlockSize, file_size_ - block_start));
  std::size_t filled = 0;
  while (filled < into.size()) {
    const ssize_t got = ::pread(fd_.get(), into.data() + filled, into.size() - filled,
                                static_cast<off_t>(block_start + filled));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      fail_read(got < 0 ? status::from_errno(errno, "read " + path_.string())
                        : status::corruption("read " + path_.string() + ": file shrank"));
      return false;
    }
    filled += static_cast<std::size_t>(got);
  }
  loaded_start = block_start;
  return true;
}

std::uint64_t log_reader::find_valid_fragment(std::uint64_t from) {
  for (std::uint64_t offset = from; offset < file_size_;) {
    const std::uint64_t start = offset - offset % kBlockSize;
    if (!load_block(start, scan_block_, scan_block_start_)) return file_size_;
    // Headers start no later than kHeaderSize before the end of the block (or of the file).
    const std::size_t header_room = std::min(kBlockSize, scan_block_.size());
    for (std::size_t in_block = offset - start; in_block + kHeaderSize <= header_room; ++in_block) {
      // The type byte rules out almost every offset of damaged data before any CRC is computed.
      const auto type = static_cast<unsigned char>(scan_block_[in_block + 6]);
      if (type == 0 || type > log_format::kMaxRecordType) continue;
      if (check_fragment(scan_block_, start, start + in_block).what == fragment::kind::valid) {
        return start + in_block;
      }
    }
    offset = start + kBlockSize;
  }
  return file_size_;
}

bool log_reader::handle_damage(std::uint64_t offset, const char* reason) {
  const std::uint64_t damage_start = in_record_ ? partial_start_ : offset;
  const std::uint64_t next_valid = find_valid_fragment(offset + 1);
  if (done_) return false;  // the search could not read the file
  if (next_valid >= file_size_) {
    end_kind_ = log_end_kind::torn_tail;
    problem_ = {damage_start, file_size_ - damage_start, reason};
    done_ = true;
    return false;
  }
  if (!handle_corruption(offset, reason)) return false;
  skip(damage_start, next_valid, reason);
  position_ = next_valid;
  in_record_ = false;
  return true;
}

bool log_reader::handle_corruption(std::uint64_t offset, const char* reason) {
  if (repair_) return true;
  end_kind_ = log_end_kind::corruption;
  problem_ = {offset, 0, reason};
  done_ = true;
  return false;
}

void log_reader::skip(std::uint64_t from, std::uint64_t to, const char* reason) {
  if (!skipped_.empty() && skipped_.back().offset + skipped_.back().length == from) {
    skipped_.back().length += to - from;
    return;
  }
  skipped_.push_back({from, to - from, reason});
}

void log_reader::fail_read(const status& error) {
  end_kind_ = log_end_kind::read_error;
  problem_ = {position_, 0, error.message()};
  done_ = true;
}

}  // namespace kv::storage
