// Image decoding with Leptonica, under explicit limits. The only file besides
// tesseract_engine.cc that sees Leptonica.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"

struct Pix;  // Leptonica's image

namespace ocr {

struct ImageLimits {
  int64_t max_pixels = 100'000'000;
  int max_side = 32767;  // Tesseract's own limit
};

// A decoded image; owns its PIX. Movable, not copyable.
class Image {
 public:
  Image() = default;
  explicit Image(Pix* pix);
  Pix* pix() const { return pix_.get(); }
  // Another reference to the same pixels (Leptonica's pixClone).
  Image Clone() const;
  int width() const;
  int height() const;

 private:
  struct Deleter {
    void operator()(Pix* pix) const;
  };
  std::unique_ptr<Pix, Deleter> pix_;
};

// Reads the size from the header (no pixel decoding) and enforces `limits`
// (kPayloadTooLarge), then decodes. Transparency is flattened onto white.
// Empty input, bytes that are no supported image (common/image_format.h,
// the gateway's list) and undecodable images: kInvalidArgument.
// A JPEG is turned upright as its EXIF Orientation says; `rotation`, when
// given, receives the clockwise turn applied (0, 90, 180 or 270).
StatusOr<Image> DecodeImage(std::string_view bytes, const ImageLimits& limits,
                            int* rotation = nullptr);

// The number of pages (directories) of a TIFF.
StatusOr<int> CountTiffPages(std::string_view bytes);
// Page `index` (0-based) of a TIFF, under `limits` checked from its header.
StatusOr<Image> DecodeTiffPage(std::string_view bytes, int index,
                               const ImageLimits& limits);

// `image` turned clockwise by `degrees` (a multiple of 90).
StatusOr<Image> TurnClockwise(const Image& image, int degrees);
// `image` scaled by `factor` (Leptonica's pixScale: smoothed when smaller,
// interpolated when larger), keeping the resolution it carries.
StatusOr<Image> Scale(const Image& image, double factor);
// Straightens a tilted scan (Leptonica's skew search, within about 7
// degrees); returns the degrees it turned the image, 0 when it found no
// confident skew or one too small to matter.
StatusOr<double> Straighten(Image* image);

// True when the bytes start like a supported image: SniffImageFormat, the
// same decision the gateway makes before forwarding an upload.
bool LooksLikeImage(std::string_view bytes);

}  // namespace ocr
