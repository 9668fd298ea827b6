// CRC-32C against the RFC 3720 (iSCSI) B.4 test vectors, the software and SSE4.2 paths
// against each other on random data, and the masking of stored CRCs.
#include "storage/crc32c.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace kv::storage {
namespace {

using extend_function = std::uint32_t (*)(std::uint32_t, const void*, std::size_t);

struct vector_case {
  std::string data;
  std::uint32_t crc;
};

std::vector<vector_case> rfc3720_vectors() {
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  // An iSCSI SCSI Read (10) command PDU.
  const std::array<unsigned char, 48> pdu = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return {{zeros, 0x8a9136aaU},
          {ones, 0x62a8ab43U},
          {ascending, 0x46dd794eU},
          {descending, 0x113fdb5cU},
          {std::string(pdu.begin(), pdu.end()), 0xd9963a56U},
          {"123456789", 0xe3069283U},
          {"", 0}};
}

void expect_vectors(extend_function extend) {
  for (const auto& [data, crc] : rfc3720_vectors()) {
    EXPECT_EQ(extend(0, data.data(), data.size()), crc) << "over " << data.size() << " bytes";
  }
}

TEST(Crc32cTest, SoftwareMatchesRfc3720Vectors) {
  expect_vectors(crc32c::extend_software);
}

TEST(Crc32cTest, HardwareMatchesRfc3720Vectors) {
  if (!crc32c::hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  expect_vectors(crc32c::extend_hardware);
}

TEST(Crc32cTest, DispatchedMatchesRfc3720Vectors) {
  expect_vectors(crc32c::extend);
}

TEST(Crc32cTest, ExtendingEqualsOneCrcOverTheConcatenation) {
  const std::string data = "hello, write-ahead log";
  for (std::size_t split = 0; split <= data.size(); ++split) {
    const std::uint32_t head = crc32c::value(data.data(), split);
    EXPECT_EQ(crc32c::extend(head, data.data() + split, data.size() - split), crc32c::value(data));
  }
}

TEST(Crc32cTest, SoftwareAndHardwareAgreeOnRandomData) {
  if (!crc32c::hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 random(20240611);
  std::string buffer(70000, '\0');
  for (char& c : buffer) c = static_cast<char>(random());
  // Every length up to 64 at every alignment exercises the 8-byte loops and their tails.
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t length = 0; length <= 64; ++length) {
      ASSERT_EQ(crc32c::extend_software(0, buffer.data() + offset, length),
                crc32c::extend_hardware(0, buffer.data() + offset, length))
          << "offset " << offset << " length " << length;
    }
  }
  for (int round = 0; round < 200; ++round) {
    const std::size_t offset = random() % 1000;
    const std::size_t length = random() % (buffer.size() - offset);
    const auto seed = static_cast<std::uint32_t>(random());
    ASSERT_EQ(crc32c::extend_software(seed, buffer.data() + offset, length),
              crc32c::extend_hardware(seed, buffer.data() + offset, length));
  }
}

TEST(Crc32cTest, MaskChangesTheValueAndUnmaskRestoresIt) {
  const std::uint32_t crc = crc32c::value("foo");
  EXPECT_NE(crc32c::mask(crc), crc);
  EXPECT_NE(crc32c::mask(crc32c::mask(crc)), crc);
  EXPECT_EQ(crc32c::unmask(crc32c::mask(crc)), crc);
  EXPECT_EQ(crc32c::unmask(crc32c::unmask(crc32c::mask(crc32c::mask(crc)))), crc);
}

}  // namespace
}  // namespace kv::storage
