// The EXIF Orientation tag (0x0112) of a JPEG: how its stored pixels must
// be turned to be seen upright, as cameras record it. A small bounds-checked
// walk of the JPEG's markers and its APP1 "Exif" TIFF structure; fuzzed.
#pragma once

#include <string_view>

namespace ocr {

// 1 (upright, also when the tag is absent or the data is broken) to 8:
//   2 mirrored, 3 turned 180, 4 mirrored vertically, 5 mirrored and turned
//   270 clockwise, 6 turned 90 clockwise, 7 mirrored and turned 90
//   clockwise, 8 turned 270 clockwise (the turn that makes it upright).
int JpegExifOrientation(std::string_view jpeg);

}  // namespace ocr
