// Record framing (LevelDB's algorithm: fill the block, pad a short trailer with zeros, split
// into FIRST/MIDDLE/LAST) and the write path that cuts the file back when a write fails.
#include "storage/log_writer.hpp"

#include <algorithm>
#include <array>

#include "storage/coding.hpp"
#include "storage/crc32c.hpp"
#include "storage/log_format.hpp"

namespace kv::storage {
namespace {

using log_format::kBlockSize;
using log_format::kHeaderSize;
using log_format::record_type;

// The CRC of each type byte, which every fragment's CRC starts from.
const std::array<std::uint32_t, log_format::kMaxRecordType + 1>& type_crcs() {
  static const auto crcs = [] {
    std::array<std::uint32_t, log_format::kMaxRecordType + 1> values{};
    for (std::size_t type = 0; type < values.size(); ++type) {
      const auto byte = static_cast<std::uint8_t>(type);
      values[type] = crc32c::value(&byte, 1);
    }
    return values;
  }();
  return crcs;
}

}  // namespace

log_writer::log_writer(std::shared_ptr<writable_file> file)
    : file_(std::move(file)), flushed_size_(file_->size()) {}

void log_writer::add_record(std::string_view payload) {
  bool first = true;
  do {
    const std::size_t left_in_block = kBlockSize - end_offset() % kBlockSize;
    if (left_in_block < kHeaderSize) buffer_.append(left_in_block, '\0');
    const std::size_t available = kBlockSize - end_offset() % kBlockSize - kHeaderSize;
    const std::size_t length = std::min(payload.size(), available);
    const bool last = length == payload.size();
    const record_type type = first && last ? record_type::full
                             : first       ? record_type::first
                             : last        ? record_type::last
                                           : record_type::middle;
    add_fragment(static_cast<std::uint8_t>(type), payload.substr(0, length));
    payload.remove_prefix(length);
    first = false;
  } while (!payload.empty());
}

void log_writer::add_fragment(std::uint8_t type, std::string_view data) {
  const std::uint32_t crc = crc32c::extend(type_crcs()[type], data.data(), data.size());
  put_fixed32(buffer_, crc32c::mask(crc));
  buffer_.push_back(static_cast<char>(data.size() & 0xffU));
  buffer_.push_back(static_cast<char>(data.size() >> 8));
  buffer_.push_back(static_cast<char>(type));
  buffer_.append(data);
}

status log_writer::flush() {
  if (!health_.ok()) return health_;
  if (buffer_.empty()) return {};
  status written = file_->append(buffer_);
  buffer_.clear();
  if (written.ok()) {
    flushed_size_ = file_->size();
    return written;
  }
  // Part of the buffer may be in the file: without the cut, the next records would follow a
  // torn one and recovery would see corruption in the middle of the log.
  if (status cut = file_->truncate(flushed_size_); !cut.ok()) {
    health_ = status(make_error_code(storage_errc::log_broken),
                     written.message() + "; then could not cut the log back: " + cut.message());
  }
  return written;
}

status log_writer::sync() {
  if (status flushed = flush(); !flushed.ok()) return flushed;
  return file_->sync();
}

}  // namespace kv::storage
