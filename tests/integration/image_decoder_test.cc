// DecodeImage on real files: every format Leptonica reads, transparency,
// limits decided from the header, and hostile input.
#include "model_server/core/image_decoder.h"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include <random>

#include "support/testdata.h"

namespace ocr {
namespace {

using testing::ImagePath;
using testing::ReadFile;

// A PNG signature and IHDR chunk claiming the given size; no pixel data.
std::string PngHeader(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\0\0\0\x0d", 4) + "IHDR";
  for (uint32_t v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      png.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
  }
  png += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey
  png += std::string("\0\0\0\0", 4);              // CRC (not checked)
  png += std::string(64, '\0');
  return png;
}

TEST(ImageDecoderTest, DecodesEveryTestImage) {
  for (const auto& image : testing::ManifestImages()) {
    SCOPED_TRACE(image.id);
    auto decoded = DecodeImage(ReadFile(image.path), ImageLimits{});
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_GT(decoded->width(), 0);
    EXPECT_GT(decoded->height(), 0);
  }
}

TEST(ImageDecoderTest, FlattensTransparencyOntoWhite) {
  const std::string bytes = ReadFile(ImagePath("pyt-test_la.png"));
  Pix* raw =
      pixReadMem(reinterpret_cast<const l_uint8*>(bytes.data()), bytes.size());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(pixGetSpp(raw), 4) << "fixture should carry an alpha channel";
  pixDestroy(&raw);

  auto decoded = DecodeImage(bytes, ImageLimits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_NE(pixGetSpp(decoded->pix()), 4);
}

TEST(ImageDecoderTest, EmptyInputIsInvalid) {
  auto decoded = DecodeImage("", ImageLimits{});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("empty"), std::string::npos);
}

TEST(ImageDecoderTest, NonImageIsInvalid) {
  for (const std::string& bytes :
       {std::string("%PDF-1.4 this is not an image at all"),
        std::string("hello world, plain text file\n"),
        std::string("/etc/passwd\n/etc/shadow\n")}) {
    auto decoded = DecodeImage(bytes, ImageLimits{});
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(LooksLikeImage("/etc/passwd\n"));
  EXPECT_TRUE(LooksLikeImage(ReadFile(ImagePath("pyt-test.png"))));
}

TEST(ImageDecoderTest, TruncatedImageIsInvalid) {
  for (const char* name : {"pyt-test.png", "pyt-test.jpg", "pyt-test.tiff",
                           "pyt-test.webp", "pyt-test.gif"}) {
    SCOPED_TRACE(name);
    std::string bytes = ReadFile(ImagePath(name));
    bytes.resize(bytes.size() / 3);
    auto decoded = DecodeImage(bytes, ImageLimits{});
    // Some decoders return a partial image for truncated data; either way
    // nothing crashes and a failure is a client error.
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(ImageDecoderTest, PixelLimitComesFromTheHeader) {
  // 640x480 = 307200 pixels.
  const std::string bytes = ReadFile(ImagePath("pyt-test.png"));
  ImageLimits limits;
  limits.max_pixels = 300000;
  auto decoded = DecodeImage(bytes, limits);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_NE(decoded.status().message().find("640x480"), std::string::npos);

  // A header claiming 20000x20000 with no pixel data behind it: refused from
  // the header alone (decoding would fail on the missing data instead).
  decoded = DecodeImage(PngHeader(20000, 20000), ImageLimits{});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kPayloadTooLarge);
}

TEST(ImageDecoderTest, SideLimitIsTesseracts) {
  auto decoded = DecodeImage(PngHeader(40000, 2), ImageLimits{});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_NE(decoded.status().message().find("32767"), std::string::npos);
}

// A 200-byte GIF may declare a 60000x60000 frame: refused from the header
// bytes, never decoded (Leptonica's own header read decodes GIFs whole).
TEST(ImageDecoderTest, GifBombIsRefusedBeforeDecoding) {
  std::string gif = "GIF89a";
  gif += std::string("\x10\x00\x10\x00", 4);  // logical screen 16x16
  gif += std::string("\x00\x00\x00", 3);      // no global colour table
  gif += std::string("\x21\xf9\x04\x00\x00\x00\x00\x00", 8);  // extension
  gif += std::string("\x2c\x00\x00\x00\x00", 5);              // frame at 0,0
  gif += std::string("\x60\xea\x60\xea\x00", 5);              // 60000 x 60000
  gif += std::string("\x02\x02\x44\x01\x00\x3b", 6);
  auto decoded = DecodeImage(gif, ImageLimits{});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_NE(decoded.status().message().find("60000x60000"), std::string::npos)
      << decoded.status().message();
  // Real GIFs still decode.
  EXPECT_TRUE(
      DecodeImage(ReadFile(ImagePath("pyt-test.gif")), ImageLimits{}).ok());
}

// libpng allocated a text chunk's declared length before reading it: 30
// bytes declaring a 640 MiB iTXt chunk made it allocate 640 MiB (the
// fuzzer's finding, tests/fuzz/regressions/image_fuzzer/png-itxt-640mib.png).
TEST(ImageDecoderTest, AChunkPastTheEndOfAPngIsRefusedBeforeLibpng) {
  const std::string png = ReadFile(ImagePath("pyt-test.png"));
  const size_t after_ihdr = 8 + 12 + 13;
  const std::string huge_itxt(
      "\x28\x00\x00\x1d"
      "iTXtab",
      10);
  const std::string hostile =
      png.substr(0, after_ihdr) + huge_itxt + png.substr(after_ihdr);
  auto decoded = DecodeImage(hostile, ImageLimits{});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find(
                "PNG chunk 'iTXt' declares 671088669 bytes"),
            std::string::npos)
      << decoded.status().message();
  // The same file with trailing bytes after IEND still decodes.
  EXPECT_TRUE(DecodeImage(png + "trailing garbage", ImageLimits{}).ok());
}

TEST(ImageDecoderTest, RandomMutationsNeverCrash) {
  const std::string original = ReadFile(ImagePath("tjs-simple.png"));
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    auto decoded = DecodeImage(bytes, ImageLimits{});
    if (!decoded.ok()) {
      EXPECT_TRUE(decoded.status().code() == StatusCode::kInvalidArgument ||
                  decoded.status().code() == StatusCode::kPayloadTooLarge)
          << decoded.status().ToString();
    }
  }
}

}  // namespace
}  // namespace ocr
