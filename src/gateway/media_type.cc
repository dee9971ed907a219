#include "gateway/media_type.h"

#include <cstdint>

namespace ocr {
namespace {

bool StartsWith(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

uint32_t LittleEndian32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 4; i-- > 0;) {
    v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  }
  return v;
}

bool IsBmp(std::string_view b) {
  if (b.size() < 18 || !StartsWith(b, "BM")) return false;
  switch (LittleEndian32(b, 14)) {  // size of the DIB header that follows
    case 12:                        // BITMAPCOREHEADER / OS21XBITMAPHEADER
    case 16:                        // OS22XBITMAPHEADER (short form)
    case 40:                        // BITMAPINFOHEADER
    case 52:                        // BITMAPV2INFOHEADER
    case 56:                        // BITMAPV3INFOHEADER
    case 64:                        // OS22XBITMAPHEADER
    case 108:                       // BITMAPV4HEADER
    case 124:                       // BITMAPV5HEADER
      return true;
    default:
      return false;
  }
}

bool IsWebp(std::string_view b) {
  if (b.size() < 16 || !StartsWith(b, "RIFF") || b.substr(8, 4) != "WEBP") {
    return false;
  }
  const std::string_view chunk = b.substr(12, 4);
  return chunk == "VP8 " || chunk == "VP8L" || chunk == "VP8X";
}

bool IsPnm(std::string_view b) {
  if (b.size() < 3 || b[0] != 'P' || b[1] < '1' || b[1] > '6') return false;
  switch (b[2]) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string_view SniffImageType(std::string_view bytes) {
  using namespace std::string_view_literals;
  if (StartsWith(bytes, "\x89PNG\r\n\x1a\n"sv)) return "image/png";
  if (StartsWith(bytes, "\xff\xd8\xff"sv)) return "image/jpeg";
  if (StartsWith(bytes, "GIF87a"sv) || StartsWith(bytes, "GIF89a"sv)) {
    return "image/gif";
  }
  if (IsBmp(bytes)) return "image/bmp";
  if (StartsWith(bytes, "II*\0"sv) || StartsWith(bytes, "MM\0*"sv)) {
    return "image/tiff";
  }
  if (IsWebp(bytes)) return "image/webp";
  if (StartsWith(bytes, "\0\0\0\x0cjP  \r\n\x87\n"sv) ||
      StartsWith(bytes, "\xff\x4f\xff\x51"sv)) {
    return "image/jp2";
  }
  if (IsPnm(bytes)) return "image/x-portable-anymap";
  return {};
}

}  // namespace ocr
