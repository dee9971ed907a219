// The pages of a TIFF (classic TIFF, either byte order: what the model's
// sniffer accepts), each copied into a one-page TIFF of its own without
// decoding it: the page's image file directory (IFD) with every entry as it
// is (but the few that point at other structures: sub-IFDs, EXIF and GPS
// IFDs, free lists, old-style JPEG tables, Photoshop data), its values, and
// its strips or tiles byte for byte. The model's Leptonica then reads the
// very tags (compression, photometric, resolution, orientation, colour map)
// and data it would have read from the original: the same pixels.
//
// Pages are the IFD chain from the header, as libtiff walks it: it ends at
// a zero offset, at an offset seen before (a loop) or at a directory that
// cannot be read.
#pragma once

#include <cstdint>
#include <memory>

#include "page_splitter/page_split.h"

namespace ocr::page_split {

// More directories than this: kPayloadTooLarge (the model reads at most
// 100000 pages of a request).
inline constexpr int kMaxTiffPages = 100000;

// `fd` holds `size` bytes; it is read with pread.
StatusOr<std::unique_ptr<Document>> OpenTiff(int fd, uint64_t size);

}  // namespace ocr::page_split
