// Helpers for the storage tests: a temporary directory removed after each test, whole-file
// reads and writes, and a file wrapper that fails writes, fsyncs or truncation on demand.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "storage/file.hpp"

namespace kv::storage::testing {

class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kv_storage_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline void append_to_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// What the files of a faulty_opener do; a test changes it while they are in use.
struct fault_plan {
  std::atomic<int> write_error{0};            // errno for every append, 0 = appends work
  std::atomic<std::size_t> partial_bytes{0};  // written by a failing append before it fails
  std::atomic<int> sync_error{0};
  std::atomic<int> truncate_error{0};
  std::atomic<int> syncs{0};  // successful syncs, to count group commits
  // Faults hit, and syncs counts, only files whose name contains it ("" = all).
  std::string only_paths_with;
};

class faulty_file final : public writable_file {
 public:
  faulty_file(std::unique_ptr<writable_file> inner, std::shared_ptr<fault_plan> plan)
      : inner_(std::move(inner)), plan_(std::move(plan)) {
    targeted_ =
        inner_->path().filename().string().find(plan_->only_paths_with) != std::string::npos;
  }

  status append(std::string_view data) override {
    if (const int error = targeted_ ? plan_->write_error.load() : 0; error != 0) {
      const std::size_t partial = std::min(data.size(), plan_->partial_bytes.load());
      if (partial > 0) static_cast<void>(inner_->append(data.substr(0, partial)));
      return status::from_errno(error, "write " + path().string());
    }
    return inner_->append(data);
  }
  status sync() override {
    if (const int error = targeted_ ? plan_->sync_error.load() : 0; error != 0) {
      return status::from_errno(error, "fdatasync " + path().string());
    }
    if (targeted_) ++plan_->syncs;
    return inner_->sync();
  }
  status truncate(std::uint64_t size) override {
    if (const int error = targeted_ ? plan_->truncate_error.load() : 0; error != 0) {
      return status::from_errno(error, "truncate " + path().string());
    }
    return inner_->truncate(size);
  }
  std::uint64_t size() const override { return inner_->size(); }
  const std::filesystem::path& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<writable_file> inner_;
  std::shared_ptr<fault_plan> plan_;
  bool targeted_ = false;
};

inline file_opener faulty_opener(const std::shared_ptr<fault_plan>& plan) {
  return [plan](const std::filesystem::path& path) -> result<std::unique_ptr<writable_file>> {
    auto opened = open_posix_file(path);
    if (!opened.ok()) return opened.error();
    return std::unique_ptr<writable_file>(
        std::make_unique<faulty_file>(std::move(opened.value()), plan));
  };
}

}  // namespace kv::storage::testing
