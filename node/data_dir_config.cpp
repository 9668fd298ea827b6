// Checking node.data_dir at start: a directory, or creatable as one, and writable.
#include "node/data_dir_config.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "node/config_text.hpp"

namespace kv {
namespace {

std::string problem_line(const std::string& data_dir, const std::string& problem) {
  return make_config_error("node.data_dir " + in_quotes(data_dir) + ": " + problem).what();
}

}  // namespace

std::optional<std::string> data_dir_problem(const std::string& data_dir) {
  std::error_code error;
  const auto status = std::filesystem::status(data_dir, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
    return problem_line(data_dir, "not a directory");
  }
  std::filesystem::create_directories(data_dir, error);
  if (error) return problem_line(data_dir, "cannot be created: " + error.message());
  // Root passes access() for any directory on a writable file system, as it can write there.
  if (::access(data_dir.c_str(), W_OK | X_OK) != 0) {
    return problem_line(data_dir, std::string("not writable: ") + std::strerror(errno));
  }
  return std::nullopt;
}

}  // namespace kv
