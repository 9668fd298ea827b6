// The outcome of a storage operation: ok, or an error code with a message that names the file
// (and offset) involved. Storage never throws for I/O failures, so none can be silently lost.
#pragma once

#include <cassert>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace kv::storage {

// Errors that are not an errno: damaged data, and a log that refuses work after a failure.
enum class storage_errc {
  corruption = 1,  // a checksum, length or encoding that cannot be right
  log_broken,      // an earlier failure left the log in a state it cannot write from
};

const std::error_category& storage_category();

inline std::error_code make_error_code(storage_errc e) {
  return {static_cast<int>(e), storage_category()};
}

class [[nodiscard]] status {
 public:
  status() = default;  // ok
  status(std::error_code code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code_);
  }

  // `what` says what was being done, e.g. "write /data/wal-1.log"; strerror is appended.
  static status from_errno(int error_number, const std::string& what);
  static status corruption(std::string message) {
    return {make_error_code(storage_errc::corruption), std::move(message)};
  }

  bool ok() const { return !code_; }
  const std::error_code& code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  std::error_code code_;
  std::string message_;
};

// A value, or the status saying why there is none.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  result(status error) : data_(std::move(error)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  T& value() { return std::get<T>(data_); }
  const T& value() const { return std::get<T>(data_); }
  const status& error() const { return std::get<status>(data_); }

 private:
  std::variant<T, status> data_;
};

}  // namespace kv::storage

template <>
struct std::is_error_code_enum<kv::storage::storage_errc> : std::true_type {};
