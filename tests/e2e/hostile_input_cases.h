// Hostile inputs the tests make themselves: broken, lying and oversized
// images, and request bodies built to hurt a parser.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "support/testdata.h"

namespace ocr::testing {

// Standard CRC-32 (PNG chunks), bit by bit: a test helper, speed is moot.
inline uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

inline void PutBigEndian(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

// The sample PNG with its header claiming `width` x `height` (CRC fixed, so
// only the size lies).
inline std::string PngClaiming(uint32_t width, uint32_t height) {
  std::string png = ReadFile(ImagePath("pyt-test.png"));
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
  PutBigEndian(png, 16, width);
  PutBigEndian(png, 20, height);
  PutBigEndian(png, 29, Crc32(png.substr(12, 17)));
  return png;
}

// A little-endian TIFF of `pages` 1x1 bilevel pages, each its own IFD.
inline std::string TiffWithPages(int pages) {
  std::string t("II*\0\x08\0\0\0", 8);  // first IFD at offset 8
  auto u16 = [&](uint16_t v) {
    t.push_back(static_cast<char>(v));
    t.push_back(static_cast<char>(v >> 8));
  };
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) t.push_back(static_cast<char>(v >> (8 * i)));
  };
  constexpr int kEntries = 8;
  const uint32_t ifd_size = 2 + 12 * kEntries + 4;
  for (int p = 0; p < pages; ++p) {
    const uint32_t here = static_cast<uint32_t>(t.size());
    const uint32_t pixel = here + ifd_size;  // one byte of strip after it
    u16(kEntries);
    auto entry = [&](uint16_t tag, uint16_t type, uint32_t value) {
      u16(tag);
      u16(type);
      u32(1);
      u32(value);
    };
    entry(256, 4, 1);                    // ImageWidth
    entry(257, 4, 1);                    // ImageLength
    entry(258, 3, 1);                    // BitsPerSample
    entry(259, 3, 1);                    // Compression: none
    entry(262, 3, 0);                    // Photometric: white is zero
    entry(273, 4, pixel);                // StripOffsets
    entry(278, 4, 1);                    // RowsPerStrip
    entry(279, 4, 1);                    // StripByteCounts
    u32(p + 1 < pages ? pixel + 1 : 0);  // next IFD
    t.push_back('\0');
  }
  return t;
}

// (name, image bytes) that no server may fall over.
inline std::vector<std::pair<std::string, std::string>> HostileImages() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* name :
       {"pyt-test.png", "pyt-test.jpg", "pyt-test.tiff", "pyt-test.gif",
        "pyt-test.webp", "pyt-test.bmp", "pyt-test.jpeg2000", "pyt-test.pgm"}) {
    const std::string image = ReadFile(ImagePath(name));
    for (size_t cut : {size_t{1}, size_t{8}, size_t{20}, size_t{64},
                       image.size() / 3, image.size() - 1}) {
      out.emplace_back(std::string(name) + " cut at " + std::to_string(cut),
                       image.substr(0, cut));
    }
    std::string flipped = image;  // the header kept, the data scrambled
    std::mt19937 rng(7);
    for (size_t i = 64; i < flipped.size(); i += 97) {
      flipped[i] = static_cast<char>(rng());
    }
    out.emplace_back(std::string(name) + " with scrambled data", flipped);
  }
  std::mt19937 rng(42);
  std::string random(100000, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  out.emplace_back("random bytes", random);
  out.emplace_back("zero bytes", std::string(4096, '\0'));
  out.emplace_back("server paths",
                   "/etc/passwd\n/etc/shadow\n/proc/self/environ\n");
  out.emplace_back("PNG claiming 100000x100000", PngClaiming(100000, 100000));
  out.emplace_back("PNG claiming 40000x1", PngClaiming(40000, 1));
  out.emplace_back("PNG claiming 0x0", PngClaiming(0, 0));
  std::string gif = ReadFile(ImagePath("pyt-test.gif"));
  gif[6] = gif[7] = gif[8] = gif[9] = '\xff';  // logical screen 65535x65535
  out.emplace_back("GIF claiming 65535x65535", gif);
  out.emplace_back("TIFF with 5000 pages", TiffWithPages(5000));
  return out;
}

}  // namespace ocr::testing
