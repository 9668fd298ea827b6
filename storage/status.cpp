// The storage error category and the errno messages of a status, so that every failure reads
// as one clear line naming what was being done.
#include "storage/status.hpp"

#include <cstring>

namespace kv::storage {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kv.storage"; }
  std::string message(int value) const override {
    switch (static_cast<storage_errc>(value)) {
      case storage_errc::corruption:
        return "corrupt data";
      case storage_errc::log_broken:
        return "log unusable after an earlier failure";
    }
    return "unknown storage error";
  }
};

}  // namespace

const std::error_category& storage_category() {
  static const category instance;
  return instance;
}

status status::from_errno(int error_number, const std::string& what) {
  const std::error_code code(error_number, std::generic_category());
  return {code, what + ": " + code.message()};
}

}  // namespace kv::storage
