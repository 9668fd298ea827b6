// Appends records of any size to a log file in the format of log_format.hpp. Records are
// buffered so that one write() carries a whole batch; flush() and sync() report every failure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "storage/file.hpp"
#include "storage/status.hpp"

namespace kv::storage {

class log_writer {
 public:
  // Appends after what the file holds, which must end on a record boundary: a log written by
  // a log_writer, or one whose torn tail recovery has cut off.
  explicit log_writer(std::shared_ptr<writable_file> file);

  // Frames the record into the buffer; nothing reaches the file before flush().
  void add_record(std::string_view payload);

  // Writes the buffer to the file. On failure the buffered records are dropped and the file is
  // cut back to its last flushed size, so it stays a clean sequence of records and a later
  // flush may succeed (a disk that was full may have room again). If even the cut fails, the
  // writer is broken: every later flush fails with log_broken.
  status flush();
  // flush(), then fdatasync.
  status sync();

  std::uint64_t buffered_bytes() const { return buffer_.size(); }
  std::uint64_t flushed_size() const { return flushed_size_; }
  const status& health() const { return health_; }
  const std::shared_ptr<writable_file>& file() const { return file_; }

 private:
  void add_fragment(std::uint8_t type, std::string_view data);
  std::uint64_t end_offset() const { return flushed_size_ + buffer_.size(); }

  std::shared_ptr<writable_file> file_;
  std::string buffer_;
  std::uint64_t flushed_size_;
  status health_;
};

}  // namespace kv::storage
