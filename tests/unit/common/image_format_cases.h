// Inputs for the image sniffer's tests: every signature, near misses that
// must not pass for images, and the real images of tests/data by extension.
// Shared by the sniffer's own test and the test that both services agree.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ocr::testing {

// The bytes of a literal, embedded NULs included.
template <size_t N>
std::string Raw(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

struct SniffCase {
  std::string bytes;
  std::string_view type;  // "" = not an image
};

// A BMP file header followed by a DIB header size of `dib_size`.
inline std::string Bmp(uint8_t dib_size) {
  std::string b = std::string("BM") + std::string(12, '\0');
  b += static_cast<char>(dib_size);
  return b + std::string(3, '\0') + std::string(40, '\x01');
}

inline std::vector<SniffCase> ImageSignatures() {
  return {{Raw("%PDF-1.7\n%\xe2\xe3\xcf\xd3"), "application/pdf"},
          {Raw("%PDF-2.0\n"), "application/pdf"},
          {Raw("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png"},
          {Raw("\x89PNG\r\n\x1a\n"), "image/png"},
          {Raw("\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg"},
          {Raw("\xff\xd8\xff"), "image/jpeg"},
          {Raw("GIF87a\x01\0"), "image/gif"},
          {Raw("GIF89a"), "image/gif"},
          {Bmp(40), "image/bmp"},
          {Bmp(12), "image/bmp"},
          {Bmp(124), "image/bmp"},
          {Raw("II*\0\x08\0\0\0"), "image/tiff"},
          {Raw("MM\0*\0\0\0\x08"), "image/tiff"},
          {Raw("RIFF\x10\0\0\0WEBPVP8 "), "image/webp"},
          {Raw("RIFF\x10\0\0\0WEBPVP8L"), "image/webp"},
          {Raw("RIFF\x10\0\0\0WEBPVP8X"), "image/webp"},
          {Raw("\0\0\0\x0cjP  \r\n\x87\n\0\0\0\x14"), "image/jp2"},
          {Raw("\xff\x4f\xff\x51\0\x2f"), "image/jp2"},
          {Raw("P1\n1 1\n0"), "image/x-portable-anymap"},
          {Raw("P4 8 1\n\xff"), "image/x-portable-anymap"},
          {Raw("P5\r\n"), "image/x-portable-anymap"},
          {Raw("P6\t640 480 255\n"), "image/x-portable-anymap"}};
}

inline std::vector<std::string> NearMissesAndNonImages() {
  return {Raw(""),
          Raw("\x89PNG\r\n\x1a"),    // truncated signature
          Raw("\x89PNG\n\r\x1a\n"),  // swapped line ending bytes
          Raw("\x89PNX\r\n\x1a\n"),  // one letter off
          Raw("\xff\xd8"),           // truncated SOI + marker
          Raw("\xff\xd8\x00\xe0"),   // no marker after SOI
          Raw("GIF88a"),
          Raw("GIF8"),
          Raw("gif89a"),
          Raw("BM"),
          Bmp(0),
          Bmp(41),
          Bmp(255),
          Raw("BMW 320i, low mileage"),
          Raw("II*\x01"),
          Raw("MM*\0"),
          Raw("IM*\0"),
          Raw("II\0*"),
          Raw("II*"),
          Raw("II+\0\x08\0\0\0\0\0\0\0\0\0\0\0"),  // BigTIFF
          Raw("RIFF\x10\0\0\0WAVEfmt "),           // audio
          Raw("RIFF\x10\0\0\0WEBP"),               // no VP8 chunk
          Raw("RIFF\x10\0\0\0WEBPVP9 "),
          Raw("RIFX\x10\0\0\0WEBPVP8 "),
          Raw("\0\0\0\x0cjP  \r\n\x87\x0b"),  // JP2 box, last byte off
          Raw("\0\0\0\x0djP  \r\n\x87\n"),    // wrong box length
          Raw("\0\0\0\x20"
              "ftypjp2 "),  // an ftyp box alone
          Raw("\xff\x4f\xff\x52"),
          Raw("\xff\x4f"),
          Raw("P7 332\n"),  // PAM
          Raw("P0\n"),
          Raw("P6x"),
          Raw("P6"),
          Raw("P"),
          Raw("p6\n"),
          Raw("P61\n"),
          Raw("%PDF-x.7\n"),  // no version digit
          Raw("%PDF"),
          Raw(" %PDF-1.4\n"),  // not at the very start
          Raw("%!PS-Adobe-3.0\n"),
          Raw("PK\x03\x04\x14\0\0\0"),
          Raw("Hello, world\n"),
          Raw("/etc/passwd\n/etc/shadow\n"),
          Raw("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
          Raw("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")};
}

// Media type of every test image, by file extension.
inline const std::map<std::string, std::string_view>& TestImageTypes() {
  static const std::map<std::string, std::string_view> types = {
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
      {".pnm", "image/x-portable-anymap"},
      {".pdf", "application/pdf"}};
  return types;
}

inline std::vector<std::filesystem::path> TestImageFiles() {
  std::vector<std::filesystem::path> out;
  const std::filesystem::path dir = std::string(OCR_TESTDATA_DIR) + "/images";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path());
  }
  return out;
}

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace ocr::testing
