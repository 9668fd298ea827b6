// The file operations storage needs, behind an interface so that tests can make a write or an
// fsync fail (ENOSPC, EIO) and check that nothing is reported durable; and the POSIX versions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "storage/status.hpp"

namespace kv::storage {

// A file written at its end. sync() may run on another thread while the owner appends, which
// is how an fsync runs in the background without stalling the partition.
class writable_file {
 public:
  virtual ~writable_file() = default;

  // All of `data`, or an error; after an error a prefix of it may be in the file.
  virtual status append(std::string_view data) = 0;
  // Data (not necessarily metadata other than the size) on stable storage: fdatasync.
  virtual status sync() = 0;
  virtual status truncate(std::uint64_t size) = 0;
  virtual std::uint64_t size() const = 0;  // at open, plus what was appended, minus truncation
  virtual const std::filesystem::path& path() const = 0;
};

// Opens (creating if absent) a file to append to, keeping what it holds.
using file_opener =
    std::function<result<std::unique_ptr<writable_file>>(const std::filesystem::path&)>;

result<std::unique_ptr<writable_file>> open_posix_file(const std::filesystem::path& path);

// Makes created, renamed and removed entries of `directory` durable.
status sync_directory(const std::filesystem::path& directory);

// Owns a file descriptor and closes it.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

}  // namespace kv::storage
