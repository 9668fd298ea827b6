// Writing and comparing the LAYOUT file of a data directory.
#include "storage/data_layout.hpp"

#include <fstream>
#include <sstream>

#include "storage/file.hpp"

namespace kv::storage {
namespace {

constexpr const char* layout_file_name = "LAYOUT";

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 15]);
  }
  return out;
}

status write_layout(const std::filesystem::path& data_dir, const std::string& layout) {
  const std::filesystem::path final_path = data_dir / layout_file_name;
  std::filesystem::path temp_path = final_path;
  temp_path += ".tmp";
  std::error_code error;
  std::filesystem::remove(temp_path, error);
  auto opened = open_posix_file(temp_path);
  if (!opened.ok()) return opened.error();
  if (status written = opened.value()->append(layout + "\n"); !written.ok()) return written;
  if (status synced = opened.value()->sync(); !synced.ok()) return synced;
  std::filesystem::rename(temp_path, final_path, error);
  if (error) return {error, "rename " + temp_path.string() + ": " + error.message()};
  return sync_directory(data_dir);
}

}  // namespace

std::string describe_layout(const routing_table& table) {
  std::string line = "partitions " + std::to_string(table.partition_count()) + ":";
  for (std::size_t i = 0; i < table.partition_count(); ++i) {
    const std::string start = table.range_of(i).start;
    line.push_back(' ');
    line.append(start.empty() ? "-" : hex(start));
  }
  return line;
}

status check_data_layout(const std::filesystem::path& data_dir, const std::string& layout) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) return {error, "create " + data_dir.string() + ": " + error.message()};
  const std::filesystem::path path = data_dir / layout_file_name;
  std::ifstream in(path);
  if (!in.is_open()) {
    if (std::filesystem::exists(path, error)) {
      return {std::make_error_code(std::errc::io_error), "cannot read " + path.string()};
    }
    return write_layout(data_dir, layout);
  }
  std::string stored;
  std::getline(in, stored);
  if (in.bad()) return {std::make_error_code(std::errc::io_error), "cannot read " + path.string()};
  if (stored == layout) return {};
  return {std::make_error_code(std::errc::invalid_argument),
          path.string() + " says the data was written with " + stored +
              ", but the configuration gives " + layout +
              "; start with the partitions the data was written with"};
}

}  // namespace kv::storage
