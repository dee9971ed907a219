#include "common/bytes_tensor.h"

#include <gtest/gtest.h>

#include <string>

#include "common/base64.h"

namespace ocr::bytes_tensor {
namespace {

TEST(BytesTensorTest, ElementsRoundTripWithLittleEndianLengths) {
  std::string data;
  AppendElement(data, "ab");
  AppendElement(data, "");
  AppendElement(data, std::string(300, 'x'));
  EXPECT_EQ(data.substr(0, 6), std::string("\x02\x00\x00\x00"
                                           "ab",
                                           6));
  EXPECT_EQ(data.substr(10, 4), std::string("\x2c\x01\x00\x00", 4));
  EXPECT_EQ(data.size(), SerializedSize({2, 0, 300}));
  auto parts = Split(data, 3, "input");
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0], "ab");
  EXPECT_EQ((*parts)[1], "");
  EXPECT_EQ((*parts)[2], std::string(300, 'x'));
  EXPECT_TRUE(Split(data, -1, "input").ok());
}

TEST(BytesTensorTest, RefusesLengthsPastTheEndAndWrongCounts) {
  std::string data;
  AppendElement(data, "abc");
  const auto count = Split(data, 2, "input 'x'");
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(count.status().message().find("shape says 2"), std::string::npos);

  const auto past = Split(data.substr(0, 6), 1, "input 'x'");
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("says 3 bytes but only 2"),
            std::string::npos)
      << past.status().message();

  const auto truncated = Split(data + "\x01\x00", -1, "input 'x'");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
  // A length near 4 GiB is refused without reading (or allocating) anything.
  EXPECT_FALSE(Split(std::string("\xff\xff\xff\xff", 4), 1, "x").ok());
}

TEST(BytesTensorTest, TellsBase64TextFromFiles) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  EXPECT_FALSE(IsBase64Element(png));
  EXPECT_TRUE(IsBase64Element(base64::Encode(png)));
  EXPECT_TRUE(IsBase64Element("iVBORw0K\nGgo=\r\n"));
  // ASCII PNM is all base64 letters, digits and whitespace: still a file.
  EXPECT_FALSE(IsBase64Element("P1\n2 2\n0 1\n1 0\n"));
  EXPECT_FALSE(IsBase64Element("%PDF-1.7\n"));
  EXPECT_FALSE(IsBase64Element(""));
  EXPECT_FALSE(IsBase64Element("not base64!"));
}

}  // namespace
}  // namespace ocr::bytes_tensor
