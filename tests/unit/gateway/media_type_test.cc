// Tests of image sniffing: each signature, near misses, and the real images in
// tests/data.
#include "gateway/media_type.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ocr {
namespace {

using namespace std::string_literals;

struct Case {
  std::string bytes;
  std::string_view type;  // "" = not an image
};

std::string Bmp(uint8_t dib_size) {
  std::string b = "BM"s + std::string(12, '\0');
  b += static_cast<char>(dib_size);
  return b + std::string(3, '\0') + std::string(40, '\x01');
}

TEST(SniffImageTypeTest, RecognisesEachSignature) {
  const std::vector<Case> cases = {
      {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s, "image/png"},
      {"\x89PNG\r\n\x1a\n"s, "image/png"},
      {"\xff\xd8\xff\xe0\0\x10JFIF"s, "image/jpeg"},
      {"\xff\xd8\xff"s, "image/jpeg"},
      {"GIF87a\x01\0"s, "image/gif"},
      {"GIF89a"s, "image/gif"},
      {Bmp(40), "image/bmp"},
      {Bmp(12), "image/bmp"},
      {Bmp(124), "image/bmp"},
      {"II*\0\x08\0\0\0"s, "image/tiff"},
      {"MM\0*\0\0\0\x08"s, "image/tiff"},
      {"RIFF\x10\0\0\0WEBPVP8 "s, "image/webp"},
      {"RIFF\x10\0\0\0WEBPVP8L"s, "image/webp"},
      {"RIFF\x10\0\0\0WEBPVP8X"s, "image/webp"},
      {"\0\0\0\x0cjP  \r\n\x87\n\0\0\0\x14"s, "image/jp2"},
      {"\xff\x4f\xff\x51\0\x2f"s, "image/jp2"},
      {"P1\n1 1\n0"s, "image/x-portable-anymap"},
      {"P4 8 1\n\xff"s, "image/x-portable-anymap"},
      {"P5\r\n"s, "image/x-portable-anymap"},
      {"P6\t640 480 255\n"s, "image/x-portable-anymap"}};
  for (const Case& c : cases) {
    EXPECT_EQ(SniffImageType(c.bytes), c.type)
        << testing::PrintToString(c.bytes);
  }
}

TEST(SniffImageTypeTest, RejectsNearMissesAndNonImages) {
  const std::vector<std::string> not_images = {
      ""s,
      "\x89PNG\r\n\x1a"s,    // truncated signature
      "\x89PNG\n\r\x1a\n"s,  // swapped line ending bytes
      "\x89PNX\r\n\x1a\n"s,  // one letter off
      "\xff\xd8"s,           // truncated SOI + marker
      "\xff\xd8\x00\xe0"s,   // no marker after SOI
      "GIF88a"s,
      "GIF8"s,
      "gif89a"s,
      "BM"s,
      Bmp(0),
      Bmp(41),
      Bmp(255),
      "BMW 320i, low mileage"s,
      "II*\x01"s,
      "MM*\0"s,
      "IM*\0"s,
      "II\0*"s,
      "II*"s,
      "RIFF\x10\0\0\0WAVEfmt "s,  // audio
      "RIFF\x10\0\0\0WEBP"s,      // no VP8 chunk
      "RIFF\x10\0\0\0WEBPVP9 "s,
      "RIFX\x10\0\0\0WEBPVP8 "s,
      "\0\0\0\x0cjP  \r\n\x87\x0b"s,  // JP2 box, last byte off
      "\0\0\0\x0djP  \r\n\x87\n"s,    // wrong box length
      "\0\0\0\x20"
      "ftypjp2 "s,  // an ftyp box alone
      "\xff\x4f\xff\x52"s,
      "\xff\x4f"s,
      "P7 332\n"s,
      "P0\n"s,
      "P6x"s,
      "P6"s,
      "P"s,
      "p6\n"s,
      "P61\n"s,
      "%PDF-1.7\n%\xe2\xe3\xcf\xd3"s,
      "PK\x03\x04\x14\0\0\0"s,
      "Hello, world\n"s,
      "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"s,
      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"s};
  for (const std::string& bytes : not_images) {
    EXPECT_EQ(SniffImageType(bytes), "") << testing::PrintToString(bytes);
  }
}

TEST(SniffImageTypeTest, OnlyTheLeadingBytesMatter) {
  // A PDF that embeds a PNG is still a PDF, and a PNG stays a PNG whatever
  // follows the signature.
  EXPECT_EQ(SniffImageType("%PDF-1.4\n\x89PNG\r\n\x1a\n"s), "");
  EXPECT_EQ(SniffImageType("\x89PNG\r\n\x1a\n%PDF-1.4"s), "image/png");
  EXPECT_EQ(SniffImageType(" \x89PNG\r\n\x1a\n"s), "");
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SniffImageTypeTest, RecognisesEveryImageInTheTestData) {
  const std::map<std::string, std::string_view> by_extension = {
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".bmp", "image/bmp"},
      {".tif", "image/tiff"},
      {".tiff", "image/tiff"},
      {".webp", "image/webp"},
      {".jp2", "image/jp2"},
      {".j2k", "image/jp2"},
      {".jpeg2000", "image/jp2"},
      {".pbm", "image/x-portable-anymap"},
      {".pgm", "image/x-portable-anymap"},
      {".ppm", "image/x-portable-anymap"},
      {".pnm", "image/x-portable-anymap"}};
  const std::filesystem::path dir = std::string(OCR_TESTDATA_DIR) + "/images";
  std::set<std::string_view> seen;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    const auto it = by_extension.find(entry.path().extension().string());
    ASSERT_NE(it, by_extension.end()) << "unexpected file " << name;
    const std::string bytes = ReadAll(entry.path());
    ASSERT_FALSE(bytes.empty()) << name;
    EXPECT_EQ(SniffImageType(bytes), it->second) << name;
    // Sniffing needs only the first 18 bytes.
    EXPECT_EQ(SniffImageType(std::string_view(bytes).substr(0, 18)), it->second)
        << name;
    seen.insert(it->second);
  }
  // Every supported format has at least one real sample.
  EXPECT_EQ(seen.size(), 8u);
}

}  // namespace
}  // namespace ocr
