#include "model_server/core/exif_orientation.h"

#include <cstddef>
#include <cstdint>

namespace ocr {
namespace {

uint32_t Byte(std::string_view b, size_t at) {
  return static_cast<unsigned char>(b[at]);
}

// The Orientation value in a TIFF structure (EXIF's APP1 payload after
// "Exif\0\0"), or 1.
int TiffOrientation(std::string_view tiff) {
  if (tiff.size() < 8) return 1;
  bool little;
  if (tiff.substr(0, 2) == "II") {
    little = true;
  } else if (tiff.substr(0, 2) == "MM") {
    little = false;
  } else {
    return 1;
  }
  auto u16 = [&](size_t at) -> uint32_t {
    return little ? Byte(tiff, at) | Byte(tiff, at + 1) << 8
                  : Byte(tiff, at) << 8 | Byte(tiff, at + 1);
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2);
  };
  if (u16(2) != 42) return 1;
  const uint32_t ifd = u32(4);
  if (ifd > tiff.size() || tiff.size() - ifd < 2) return 1;
  const uint32_t entries = u16(ifd);
  for (uint32_t i = 0; i < entries; ++i) {
    const size_t at = ifd + 2 + size_t{12} * i;
    if (at + 12 > tiff.size()) return 1;
    if (u16(at) != 0x0112) continue;
    // SHORT, one value, held in the entry itself.
    if (u16(at + 2) != 3 || u32(at + 4) != 1) return 1;
    const uint32_t value = u16(at + 8);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace

int JpegExifOrientation(std::string_view jpeg) {
  if (jpeg.size() < 4 || Byte(jpeg, 0) != 0xFF || Byte(jpeg, 1) != 0xD8) {
    return 1;
  }
  size_t at = 2;
  // Markers up to the image data; EXIF comes first in practice.
  while (at + 4 <= jpeg.size()) {
    if (Byte(jpeg, at) != 0xFF) return 1;
    const uint32_t marker = Byte(jpeg, at + 1);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return 1;  // end, or scan data
    const size_t length = Byte(jpeg, at + 2) << 8 | Byte(jpeg, at + 3);
    if (length < 2 || at + 2 + length > jpeg.size()) return 1;
    const std::string_view payload = jpeg.substr(at + 4, length - 2);
    if (marker == 0xE1 && payload.size() >= 6 &&
        payload.substr(0, 6) == std::string_view("Exif\0\0", 6)) {
      return TiffOrientation(payload.substr(6));
    }
    at += 2 + length;
  }
  return 1;
}

}  // namespace ocr
