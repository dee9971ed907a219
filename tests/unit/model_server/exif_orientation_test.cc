// The EXIF Orientation tag of a JPEG, from bytes built here: both byte
// orders, absent or broken data, and lengths that run past the end.
#include "model_server/core/exif_orientation.h"

#include <gtest/gtest.h>

#include <string>

namespace ocr {
namespace {

// SOI, a JFIF APP0, an APP1 "Exif" segment whose IFD0 holds another tag
// and then the Orientation tag (`value`, of TIFF type `type`), then SOS.
std::string Jpeg(bool little, int value, uint16_t type = 3) {
  auto put = [little](std::string& s, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      const int shift = 8 * (little ? i : bytes - 1 - i);
      s += static_cast<char>((v >> shift) & 0xff);
    }
  };
  std::string tiff = little ? "II" : "MM";
  put(tiff, 42, 2);
  put(tiff, 8, 4);  // IFD0 right after the header
  put(tiff, 2, 2);  // two entries: another tag, then Orientation
  for (uint32_t tag : {0x010fu, 0x0112u}) {
    put(tiff, tag, 2);
    put(tiff, type, 2);
    put(tiff, 1, 4);
    put(tiff, static_cast<uint32_t>(value), 2);
    put(tiff, 0, 2);
  }
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::string jpeg = "\xff\xd8\xff\xe0";  // a JFIF APP0 first
  jpeg += std::string("\x00\x04", 2) + "ab";
  jpeg += "\xff\xe1";
  const size_t length = payload.size() + 2;
  jpeg += static_cast<char>(length >> 8);
  jpeg += static_cast<char>(length & 0xff);
  jpeg += payload;
  jpeg += "\xff\xda";
  return jpeg;
}

TEST(ExifOrientationTest, ReadsTheTagInBothByteOrders) {
  for (int v = 1; v <= 8; ++v) {
    EXPECT_EQ(JpegExifOrientation(Jpeg(true, v)), v);
    EXPECT_EQ(JpegExifOrientation(Jpeg(false, v)), v);
  }
}

TEST(ExifOrientationTest, AbsentOrBrokenMeansUpright) {
  EXPECT_EQ(JpegExifOrientation(""), 1);
  EXPECT_EQ(JpegExifOrientation("\xff\xd8\xff\xe0\x00\x10JFIF"), 1);
  EXPECT_EQ(JpegExifOrientation(Jpeg(true, 9)), 1);              // out of range
  EXPECT_EQ(JpegExifOrientation(Jpeg(true, 6, /*type=*/4)), 1);  // not SHORT
  const std::string whole = Jpeg(false, 6);
  for (size_t n = 0; n < whole.size() - 2; ++n) {
    EXPECT_EQ(JpegExifOrientation(whole.substr(0, n)), 1) << n;
  }
  // A segment length past the end, and an entry count past the end.
  std::string lying = whole;
  lying[10] = '\x7f';  // the APP1 segment's length
  EXPECT_EQ(JpegExifOrientation(lying), 1);
}

}  // namespace
}  // namespace ocr
