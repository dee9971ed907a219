// The one list of input formats (images, and PDF documents) both services
// accept, and the one sniffer
// that tells them apart: the gateway answers 415 to what it refuses, the
// model service 400, and both decide with SniffImageFormat, so they never
// disagree about what an image is. The format comes from the leading bytes
// only, never from a file name or a client-supplied Content-Type.
//
// Header-only so that every build of the model's decoder (the fuzzers' too)
// gets it without linking anything.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocr {

struct ImageFormat {
  std::string_view media_type;  // sent to the model as content_type
  std::string_view name;        // for messages: "PNG", "JPEG 2000"
  bool (*matches)(std::string_view bytes);
  bool paged = false;  // may hold several pages (TIFF, PDF)
};

// Sniffing reads at most this many leading bytes.
inline constexpr size_t kImageSniffBytes = 18;

namespace image_format_internal {

// A view of a literal that keeps its embedded NUL bytes.
template <size_t N>
constexpr std::string_view Bytes(const char (&literal)[N]) {
  return {literal, N - 1};
}

inline bool StartsWith(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

inline uint32_t LittleEndian32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 4; i-- > 0;) {
    v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  }
  return v;
}

// 89 50 4E 47 0D 0A 1A 0A
inline bool IsPng(std::string_view b) {
  return StartsWith(b, Bytes("\x89PNG\r\n\x1a\n"));
}

// SOI FF D8, then the FF of the next marker.
inline bool IsJpeg(std::string_view b) {
  return StartsWith(b, Bytes("\xff\xd8\xff"));
}

// "II*\0" (little endian) or "MM\0*" (big endian); not BigTIFF.
inline bool IsTiff(std::string_view b) {
  return StartsWith(b, Bytes("II*\0")) || StartsWith(b, Bytes("MM\0*"));
}

// "BM", then at offset 14 the little-endian size of a DIB header a BMP can
// have: "BM" alone starts too many text files.
inline bool IsBmp(std::string_view b) {
  if (b.size() < 18 || !StartsWith(b, Bytes("BM"))) return false;
  switch (LittleEndian32(b, 14)) {
    case 12:   // BITMAPCOREHEADER / OS21XBITMAPHEADER
    case 16:   // OS22XBITMAPHEADER (short form)
    case 40:   // BITMAPINFOHEADER
    case 52:   // BITMAPV2INFOHEADER
    case 56:   // BITMAPV3INFOHEADER
    case 64:   // OS22XBITMAPHEADER
    case 108:  // BITMAPV4HEADER
    case 124:  // BITMAPV5HEADER
      return true;
    default:
      return false;
  }
}

// "GIF87a" or "GIF89a"
inline bool IsGif(std::string_view b) {
  return StartsWith(b, Bytes("GIF87a")) || StartsWith(b, Bytes("GIF89a"));
}

// "RIFF", 4 size bytes, "WEBP", then a "VP8 ", "VP8L" or "VP8X" chunk: other
// RIFF files (WAV, AVI) share the first bytes.
inline bool IsWebp(std::string_view b) {
  if (b.size() < 16 || !StartsWith(b, Bytes("RIFF")) ||
      b.substr(8, 4) != "WEBP") {
    return false;
  }
  const std::string_view chunk = b.substr(12, 4);
  return chunk == "VP8 " || chunk == "VP8L" || chunk == "VP8X";
}

// The JP2 signature box 00 00 00 0C 6A 50 20 20 0D 0A 87 0A, or a raw J2K
// codestream: SOC + SIZ markers FF 4F FF 51.
inline bool IsJpeg2000(std::string_view b) {
  return StartsWith(b, Bytes("\0\0\0\x0cjP  \r\n\x87\n")) ||
         StartsWith(b, Bytes("\xff\x4f\xff\x51"));
}

// "P1".."P6" followed by whitespace (P7, PAM, is not read).
inline bool IsPnm(std::string_view b) {
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

// "%PDF-" then a version digit, at the very start (the specification's
// header; leading garbage before it is not accepted).
inline bool IsPdf(std::string_view b) {
  return b.size() >= 6 && StartsWith(b, Bytes("%PDF-")) && b[5] >= '1' &&
         b[5] <= '9';
}

}  // namespace image_format_internal

// Every supported format, in the order messages list them. The signatures
// are disjoint: at most one entry matches any input.
inline constexpr std::array<ImageFormat, 9> kImageFormats = {{
    {"image/png", "PNG", image_format_internal::IsPng},
    {"image/jpeg", "JPEG", image_format_internal::IsJpeg},
    {"image/tiff", "TIFF", image_format_internal::IsTiff, true},
    {"image/bmp", "BMP", image_format_internal::IsBmp},
    {"image/gif", "GIF", image_format_internal::IsGif},
    {"image/webp", "WebP", image_format_internal::IsWebp},
    {"image/jp2", "JPEG 2000", image_format_internal::IsJpeg2000},
    {"image/x-portable-anymap", "PNM", image_format_internal::IsPnm},
    {"application/pdf", "PDF", image_format_internal::IsPdf, true},
}};

// The format `bytes` starts with, or nullptr: text, ZIP, empty input and
// anything else. Callers may pass just the first kImageSniffBytes.
inline const ImageFormat* SniffImageFormat(std::string_view bytes) {
  for (const ImageFormat& format : kImageFormats) {
    if (format.matches(bytes)) return &format;
  }
  return nullptr;
}

// The media type of SniffImageFormat, or "" when `bytes` is no image.
inline std::string_view SniffImageType(std::string_view bytes) {
  const ImageFormat* format = SniffImageFormat(bytes);
  return format == nullptr ? std::string_view() : format->media_type;
}

// "PNG, JPEG, TIFF, BMP, GIF, WebP, JPEG 2000, PNM or PDF", for messages.
inline std::string SupportedImageFormatNames() {
  std::string out;
  for (size_t i = 0; i < kImageFormats.size(); ++i) {
    if (i > 0) out += i + 1 == kImageFormats.size() ? " or " : ", ";
    out += kImageFormats[i].name;
  }
  return out;
}

}  // namespace ocr
