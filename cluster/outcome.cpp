#include "cluster/outcome.hpp"

#include "cluster/wire.hpp"

namespace kv::cluster {
namespace {

using wire::put_bytes;
using wire::put_u64;
using wire::put_u8;

class reader : public wire::reader {
 public:
  explicit reader(std::string_view in) : wire::reader(in, "write outcome") {}
  write_status status() {
    const auto v = u8();
    if (v > static_cast<std::uint8_t>(write_status::conflict)) {
      throw std::runtime_error("unknown write status in a write outcome");
    }
    return static_cast<write_status>(v);
  }
  void finish() {
    if (!done()) throw std::runtime_error("trailing bytes after a write outcome");
  }
};

// The first byte says whether there is an outcome at all.
template <class T, class Put>
std::string encode_with(const std::optional<T>& outcome, Put put) {
  std::string out;
  put_u8(out, outcome ? 1 : 0);
  if (outcome) put(out, *outcome);
  return out;
}

template <class T, class Read>
void decode_with(std::string_view bytes, std::optional<T>& outcome, Read read) {
  reader in(bytes);
  outcome.reset();
  if (in.u8() != 0) {
    T value;
    read(in, value);
    outcome = std::move(value);
  }
  in.finish();
}

}  // namespace

std::string encode_outcome(const std::optional<put_outcome>& outcome) {
  return encode_with(outcome, [](std::string& out, const put_outcome& o) {
    put_u8(out, static_cast<std::uint8_t>(o.status));
    put_u64(out, o.version);
    put_u8(out, o.created ? 1 : 0);
  });
}

void decode_outcome(std::string_view bytes, std::optional<put_outcome>& outcome) {
  decode_with(bytes, outcome, [](reader& in, put_outcome& o) {
    o.status = in.status();
    o.version = in.u64();
    o.created = in.u8() != 0;
  });
}

std::string encode_outcome(const std::optional<delete_outcome>& outcome) {
  return encode_with(outcome, [](std::string& out, const delete_outcome& o) {
    put_u8(out, static_cast<std::uint8_t>(o.status));
    put_u8(out, o.deleted ? 1 : 0);
    put_u64(out, o.current_version);
  });
}

void decode_outcome(std::string_view bytes, std::optional<delete_outcome>& outcome) {
  decode_with(bytes, outcome, [](reader& in, delete_outcome& o) {
    o.status = in.status();
    o.deleted = in.u8() != 0;
    o.current_version = in.u64();
  });
}

std::string encode_outcome(const std::optional<operation_outcome>& outcome) {
  return encode_with(outcome, [](std::string& out, const operation_outcome& o) {
    put_u8(out, static_cast<std::uint8_t>(o.status));
    put_u8(out, static_cast<std::uint8_t>(o.result));
    put_u64(out, o.version);
    put_u8(out, static_cast<std::uint8_t>(o.type));
    put_bytes(out, o.value.view());
    put_bytes(out, o.message);
    put_u64(out, o.changed);
  });
}

void decode_outcome(std::string_view bytes, std::optional<operation_outcome>& outcome) {
  decode_with(bytes, outcome, [](reader& in, operation_outcome& o) {
    o.status = in.status();
    const auto result = in.u8();
    if (result > static_cast<std::uint8_t>(operation_status::too_large)) {
      throw std::runtime_error("unknown operation status in a write outcome");
    }
    o.result = static_cast<operation_status>(result);
    o.version = in.u64();
    o.type = static_cast<value_type>(in.u8());
    o.value = shared_bytes::copy_of(in.bytes());
    o.message = std::string(in.bytes());
    o.changed = static_cast<std::size_t>(in.u64());
  });
}

std::string encode_outcome(const std::optional<expiry_outcome>& outcome) {
  return encode_with(outcome, [](std::string& out, const expiry_outcome& o) {
    put_u8(out, static_cast<std::uint8_t>(o.status));
    put_u8(out, o.found ? 1 : 0);
    put_u64(out, o.version);
    put_u64(out, static_cast<std::uint64_t>(o.expires_at_ms));
    put_u8(out, o.changed ? 1 : 0);
  });
}

void decode_outcome(std::string_view bytes, std::optional<expiry_outcome>& outcome) {
  decode_with(bytes, outcome, [](reader& in, expiry_outcome& o) {
    o.status = in.status();
    o.found = in.u8() != 0;
    o.version = in.u64();
    o.expires_at_ms = static_cast<std::int64_t>(in.u64());
    o.changed = in.u8() != 0;
  });
}

std::string encode_outcome(const std::optional<std::size_t>& written) {
  return encode_with(written, [](std::string& out, std::size_t n) { put_u64(out, n); });
}

void decode_outcome(std::string_view bytes, std::optional<std::size_t>& written) {
  decode_with(bytes, written,
              [](reader& in, std::size_t& n) { n = static_cast<std::size_t>(in.u64()); });
}

}  // namespace kv::cluster
