// Base64 against the RFC 4648 test vectors, and binary round trips.
#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYg"), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64Test, RejectsWhatIsNotBase64) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));         // one character cannot hold a byte
  EXPECT_FALSE(base64_decode("Zm9vY==="));  // too much padding
  EXPECT_FALSE(base64_decode("Zg="));       // padded but not to a multiple of four
  EXPECT_FALSE(base64_decode("Zm=v"));      // padding in the middle
  EXPECT_FALSE(base64_decode("Zh=="));      // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Zm9v\n"));
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const auto prefix = bytes.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(prefix)), prefix) << length;
  }
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
}

// Into a caller's buffer: the bytes and their count, nothing past the capacity it promised.
TEST(Base64Test, DecodesIntoABufferWithinItsCapacity) {
  for (const std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    for (const bool padded : {true, false}) {
      std::string text = base64_encode(bytes);
      if (!padded) text.erase(text.find_last_not_of('=') + 1);
      std::string buffer(base64_decoded_capacity(text.size()) + 1, '#');
      const auto size = base64_decode_to(text, buffer.data());
      ASSERT_TRUE(size) << text;
      EXPECT_EQ(buffer.substr(0, *size), bytes) << text;
      EXPECT_EQ(buffer.back(), '#') << text;
    }
  }
  char buffer[8];
  EXPECT_FALSE(base64_decode_to("Zm9v!A==", buffer));
  EXPECT_FALSE(base64_decode_to("Zm9=", buffer));  // non-zero leftover bits
}

}  // namespace
}  // namespace kv
