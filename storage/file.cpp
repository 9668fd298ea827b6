// POSIX files for storage: O_APPEND writes that retry short writes and EINTR, fdatasync, and
// directory fsync. Every failure comes back as a status naming the file.
#include "storage/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace kv::storage {
namespace {

class posix_file final : public writable_file {
 public:
  posix_file(unique_fd fd, std::filesystem::path path, std::uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

  status append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t written = ::write(fd_.get(), data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return status::from_errno(errno, "write " + path_.string());
      }
      // A short write is usually followed by the write that reports why (ENOSPC).
      data.remove_prefix(static_cast<std::size_t>(written));
      size_ += static_cast<std::uint64_t>(written);
    }
    return {};
  }

  status sync() override {
    while (::fdatasync(fd_.get()) != 0) {
      if (errno != EINTR) return status::from_errno(errno, "fdatasync " + path_.string());
    }
    return {};
  }

  status truncate(std::uint64_t size) override {
    while (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return status::from_errno(errno, "truncate " + path_.string());
    }
    size_ = size;
    return {};
  }

  std::uint64_t size() const override { return size_; }
  const std::filesystem::path& path() const override { return path_; }

 private:
  unique_fd fd_;
  std::filesystem::path path_;
  // Only the owning thread changes it; atomic so that size() is safe from a syncing thread.
  std::atomic<std::uint64_t> size_;
};

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

result<std::unique_ptr<writable_file>> open_posix_file(const std::filesystem::path& path) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) return status::from_errno(errno, "open " + path.string());
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return status::from_errno(errno, "stat " + path.string());
  return std::unique_ptr<writable_file>(
      std::make_unique<posix_file>(std::move(fd), path, static_cast<std::uint64_t>(info.st_size)));
}

status sync_directory(const std::filesystem::path& directory) {
  const unique_fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return status::from_errno(errno, "open directory " + directory.string());
  while (::fsync(fd.get()) != 0) {
    if (errno != EINTR) return status::from_errno(errno, "fsync directory " + directory.string());
  }
  return {};
}

}  // namespace kv::storage
