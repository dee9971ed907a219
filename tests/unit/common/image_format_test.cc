// Tests of image sniffing (common/image_format.h, used by the gateway and the
// model service): each signature, near misses, the one table of formats, and
// the real images in tests/data. (Was tests/unit/gateway/media_type_test.cc.)
#include "common/image_format.h"

#include <gtest/gtest.h>

#include <set>

#include "unit/common/image_format_cases.h"

namespace ocr {
namespace {

using testing::Raw;

TEST(MediaTypeTest, RecognisesEachSignature) {
  for (const auto& c : testing::ImageSignatures()) {
    EXPECT_EQ(SniffImageType(c.bytes), c.type)
        << ::testing::PrintToString(c.bytes);
  }
}

TEST(MediaTypeTest, RejectsNearMissesAndNonImages) {
  for (const std::string& bytes : testing::NearMissesAndNonImages()) {
    EXPECT_EQ(SniffImageType(bytes), "") << ::testing::PrintToString(bytes);
    EXPECT_EQ(SniffImageFormat(bytes), nullptr);
  }
}

TEST(MediaTypeTest, OnlyTheLeadingBytesMatter) {
  // A PDF that embeds a PNG is still a PDF, and a PNG stays a PNG whatever
  // follows the signature.
  EXPECT_EQ(SniffImageType(Raw("%PDF-1.4\n\x89PNG\r\n\x1a\n")),
            "application/pdf");
  EXPECT_EQ(SniffImageType(Raw("\x89PNG\r\n\x1a\n%PDF-1.4")), "image/png");
  EXPECT_EQ(SniffImageType(Raw(" \x89PNG\r\n\x1a\n")), "");
}

TEST(MediaTypeTest, OneTableOfDisjointFormats) {
  std::set<std::string_view> types, names;
  for (const ImageFormat& format : kImageFormats) {
    types.insert(format.media_type);
    names.insert(format.name);
  }
  EXPECT_EQ(types.size(), kImageFormats.size());
  EXPECT_EQ(names.size(), kImageFormats.size());
  // Every signature matches exactly one entry, and SniffImageFormat returns
  // that entry of the table.
  for (const auto& c : testing::ImageSignatures()) {
    int matching = 0;
    for (const ImageFormat& format : kImageFormats) {
      matching += format.matches(c.bytes) ? 1 : 0;
    }
    EXPECT_EQ(matching, 1) << ::testing::PrintToString(c.bytes);
    const ImageFormat* found = SniffImageFormat(c.bytes);
    ASSERT_NE(found, nullptr);
    EXPECT_GE(found, kImageFormats.data());
    EXPECT_LT(found, kImageFormats.data() + kImageFormats.size());
  }
  EXPECT_EQ(SupportedImageFormatNames(),
            "PNG, JPEG, TIFF, BMP, GIF, WebP, JPEG 2000, PNM or PDF");
}

TEST(MediaTypeTest, RecognisesEveryImageInTheTestData) {
  std::set<std::string_view> seen;
  for (const auto& path : testing::TestImageFiles()) {
    const std::string name = path.filename().string();
    const auto it = testing::TestImageTypes().find(path.extension().string());
    ASSERT_NE(it, testing::TestImageTypes().end())
        << "unexpected file " << name;
    const std::string bytes = testing::ReadAll(path);
    ASSERT_FALSE(bytes.empty()) << name;
    EXPECT_EQ(SniffImageType(bytes), it->second) << name;
    // Sniffing needs only the first kImageSniffBytes bytes.
    EXPECT_EQ(
        SniffImageType(std::string_view(bytes).substr(0, kImageSniffBytes)),
        it->second)
        << name;
    seen.insert(it->second);
  }
  // Every supported format has at least one real sample.
  EXPECT_EQ(seen.size(), kImageFormats.size());
}

}  // namespace
}  // namespace ocr
