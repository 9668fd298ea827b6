// Writing and comparing the LAYOUT file of a data directory, and checking that the partition
// directories it promises are there.
#include "storage/data_layout.hpp"

#include <charconv>
#include <fstream>
#include <set>

#include "storage/file.hpp"
#include "storage/partition_files.hpp"

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

// The ids of the data directory's partition-<id> directories.
result<std::set<std::size_t>> list_partition_ids(const std::filesystem::path& data_dir) {
  constexpr std::string_view prefix = "partition-";
  std::set<std::size_t> ids;
  std::error_code error;
  for (std::filesystem::directory_iterator it(data_dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix) || !it->is_directory()) continue;
    std::size_t id = 0;
    const char* const digits_end = name.data() + name.size();
    const auto [stop, parse_error] = std::from_chars(name.data() + prefix.size(), digits_end, id);
    if (parse_error == std::errc() && stop == digits_end &&
        name == partition_directory("", id).string()) {
      ids.insert(id);
    }
  }
  if (error) return status(error, "list " + data_dir.string() + ": " + error.message());
  return ids;
}

status create_partition_directory(const std::filesystem::path& data_dir, std::size_t id) {
  const std::filesystem::path directory = partition_directory(data_dir, id);
  std::error_code error;
  std::filesystem::create_directory(directory, error);
  if (error) return {error, "create " + directory.string() + ": " + error.message()};
  return {};
}

// Each missing partition directory is corruption, or with `repair` created empty.
status check_partition_directories(const std::filesystem::path& data_dir,
                                   const std::set<std::size_t>& present, std::size_t count,
                                   bool repair, std::vector<std::string>& warnings) {
  bool created = false;
  for (std::size_t id = 0; id < count; ++id) {
    if (present.contains(id)) continue;
    const std::filesystem::path directory = partition_directory(data_dir, id);
    if (!repair) {
      return status::corruption(
          directory.string() + " is missing, but " + (data_dir / layout_file_name).string() +
          " says the data was written with " + std::to_string(count) +
          " partitions; its data is lost: start with --repair to start it empty");
    }
    if (status made = create_partition_directory(data_dir, id); !made.ok()) return made;
    warnings.push_back(directory.string() + " was missing: the partition starts empty");
    created = true;
  }
  return created ? sync_directory(data_dir) : status();
}

// No LAYOUT: a new data directory, or one whose LAYOUT was lost.
result<std::vector<std::string>> write_missing_layout(const std::filesystem::path& data_dir,
                                                      const routing_table& table,
                                                      const std::set<std::size_t>& present,
                                                      bool repair) {
  const std::filesystem::path path = data_dir / layout_file_name;
  const std::string layout = describe_layout(table);
  std::vector<std::string> warnings;
  if (!present.empty()) {
    if (!repair) {
      return status::corruption(path.string() + " is missing, but " + data_dir.string() +
                                " holds partition directories: the layout their data was " +
                                "written with is lost; start with --repair to write it from the " +
                                "configuration");
    }
    const bool same_partitions =
        present.size() == table.partition_count() && *present.rbegin() + 1 == present.size();
    if (!same_partitions) {
      return status(std::make_error_code(std::errc::invalid_argument),
                    path.string() + " is missing, and " + data_dir.string() + " holds " +
                        std::to_string(present.size()) + " partition directories up to " +
                        partition_directory("", *present.rbegin()).string() +
                        ", not the configuration's " + std::to_string(table.partition_count()) +
                        "; start with the partitions the data was written with");
    }
    warnings.push_back(path.string() + " was missing: wrote " + layout +
                       " from the configuration, as --repair asked");
  } else {
    // The partition directories first: LAYOUT says they exist.
    for (std::size_t id = 0; id < table.partition_count(); ++id) {
      if (status made = create_partition_directory(data_dir, id); !made.ok()) return made;
    }
    if (status synced = sync_directory(data_dir); !synced.ok()) return synced;
  }
  if (status written = write_layout(data_dir, layout); !written.ok()) return written;
  return warnings;
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

result<std::vector<std::string>> check_data_layout(const std::filesystem::path& data_dir,
                                                   const routing_table& table, bool repair) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) return status(error, "create " + data_dir.string() + ": " + error.message());
  auto present = list_partition_ids(data_dir);
  if (!present.ok()) return present.error();
  const std::filesystem::path path = data_dir / layout_file_name;
  std::ifstream in(path);
  if (!in.is_open()) {
    if (std::filesystem::exists(path, error)) {
      return status(std::make_error_code(std::errc::io_error), "cannot read " + path.string());
    }
    return write_missing_layout(data_dir, table, present.value(), repair);
  }
  std::string stored;
  std::getline(in, stored);
  if (in.bad()) {
    return status(std::make_error_code(std::errc::io_error), "cannot read " + path.string());
  }
  const std::string layout = describe_layout(table);
  if (stored != layout) {
    return status(std::make_error_code(std::errc::invalid_argument),
                  path.string() + " says the data was written with " + stored +
                      ", but the configuration gives " + layout +
                      "; start with the partitions the data was written with");
  }
  std::vector<std::string> warnings;
  if (status checked = check_partition_directories(data_dir, present.value(),
                                                   table.partition_count(), repair, warnings);
      !checked.ok()) {
    return checked;
  }
  return warnings;
}

}  // namespace kv::storage
