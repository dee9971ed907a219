// Content sniffing of uploaded images: the format is decided from the leading
// bytes only, never from a file name or a client-supplied Content-Type.
#pragma once

#include <string_view>

namespace ocr {

// The image format `bytes` starts with, or an empty view when the bytes do not
// start with a supported image signature. Returned values (static strings):
//   "image/png"   89 50 4E 47 0D 0A 1A 0A
//   "image/jpeg"  FF D8 FF
//   "image/gif"   "GIF87a" or "GIF89a"
//   "image/bmp"   "BM", then at offset 14 a little-endian DIB header size
//                 that a BMP can have (12, 16, 40, 52, 56, 64, 108 or 124)
//   "image/tiff"  "II*\0" (little endian) or "MM\0*" (big endian)
//   "image/webp"  "RIFF", 4 size bytes, "WEBP", then chunk "VP8 "/"VP8L"/"VP8X"
//   "image/jp2"   JP2 signature box 00 00 00 0C 6A 50 20 20 0D 0A 87 0A, or a
//                 raw J2K codestream FF 4F FF 51 (SOC + SIZ markers)
//   "image/x-portable-anymap"  "P1".."P6" followed by whitespace
// Only a prefix is inspected (at most 18 bytes), so callers may pass just the
// start of a stream. PDF, text, ZIP, empty input and anything else -> "".
std::string_view SniffImageType(std::string_view bytes);

}  // namespace ocr
