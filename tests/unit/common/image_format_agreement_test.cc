// The gateway and the model service agree on what an image is: for every
// supported format, near miss and test image (and every prefix of them), the
// gateway's decision (SniffImageFormat, 415 when null) and the model's
// (LooksLikeImage; ReadPage's "not a supported image") are the same, and
// the model's refusal names the formats of the shared table.
#include <gtest/gtest.h>

#include "common/image_format.h"
#include "model_server/core/image_decoder.h"
#include "model_server/core/page_reader.h"
#include "unit/common/image_format_cases.h"

namespace ocr {
namespace {

constexpr std::string_view kNotAnImage = "not a supported image";

std::vector<std::string> Inputs() {
  std::vector<std::string> out = testing::NearMissesAndNonImages();
  for (auto& c : testing::ImageSignatures()) out.push_back(c.bytes);
  for (const auto& path : testing::TestImageFiles()) {
    out.push_back(testing::ReadAll(path));
  }
  // Every prefix up to the sniffed length: where signatures stop matching.
  const size_t whole = out.size();
  for (size_t i = 0; i < whole; ++i) {
    for (size_t n = 1; n < out[i].size() && n <= kImageSniffBytes; ++n) {
      out.push_back(out[i].substr(0, n));
    }
  }
  return out;
}

TEST(MediaTypeAgreementTest, GatewayAndModelDecideAlike) {
  const ImageLimits limits;
  // Appended, not "(" + names + ")": GCC 12 warns falsely (-Wrestrict) there.
  std::string formats = "(";
  formats += SupportedImageFormatNames();
  formats += ")";
  for (const std::string& bytes : Inputs()) {
    SCOPED_TRACE(::testing::PrintToString(bytes.substr(0, 24)));
    const bool gateway_forwards = SniffImageFormat(bytes) != nullptr;
    EXPECT_EQ(LooksLikeImage(bytes), gateway_forwards);
    if (bytes.empty()) continue;  // both refuse it, as "empty"
    const auto decoded = ReadPage(bytes, 0, OcrOptions{}, limits);
    const bool model_says_no_image =
        !decoded.ok() &&
        decoded.status().message().find(kNotAnImage) != std::string::npos;
    EXPECT_EQ(model_says_no_image, !gateway_forwards)
        << decoded.status().ToString();
    if (!decoded.ok()) {
      // A forwarded image the model cannot read is still the client's
      // fault (400), never a server error.
      EXPECT_NE(decoded.status().code(), StatusCode::kInternal);
    }
    if (model_says_no_image) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(decoded.status().message().find(formats), std::string::npos)
          << decoded.status().message();
    }
  }
}

TEST(MediaTypeAgreementTest, EveryTestImageIsDecodedAsTheGatewaySniffedIt) {
  for (const auto& path : testing::TestImageFiles()) {
    SCOPED_TRACE(path.filename().string());
    const std::string bytes = testing::ReadAll(path);
    ASSERT_NE(SniffImageFormat(bytes), nullptr);
    const auto decoded = ReadPage(bytes, 0, OcrOptions{}, ImageLimits{});
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  }
}

}  // namespace
}  // namespace ocr
