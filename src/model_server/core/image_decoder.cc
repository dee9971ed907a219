#include "model_server/core/image_decoder.h"

#include <leptonica/allheaders.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "common/image_format.h"
#include "model_server/core/exif_orientation.h"

namespace ocr {
namespace {

void QuietLeptonica() {
  static std::once_flag once;
  // Leptonica prints every decode error to stderr; we report them as Status.
  std::call_once(once, [] { setMsgSeverity(L_SEVERITY_NONE); });
}

const l_uint8* Bytes(std::string_view s) {
  return reinterpret_cast<const l_uint8*>(s.data());
}

Status CheckSize(int w, int h, const ImageLimits& limits) {
  if (w > limits.max_side || h > limits.max_side) {
    return PayloadTooLargeError("image is " + std::to_string(w) + "x" +
                                std::to_string(h) +
                                " pixels; each side must be at most " +
                                std::to_string(limits.max_side));
  }
  const int64_t pixels = static_cast<int64_t>(w) * h;
  if (pixels > limits.max_pixels) {
    return PayloadTooLargeError(
        "image is " + std::to_string(w) + "x" + std::to_string(h) + " = " +
        std::to_string(pixels) + " pixels; the limit is " +
        std::to_string(limits.max_pixels));
  }
  return OkStatus();
}

// Leptonica's pixReadHeaderMem decodes a whole GIF to learn its size, and
// giflib's DGifSlurp (which Leptonica uses) allocates and decodes every frame,
// keeping all of them in memory at once, although only the first is returned.
// So every frame counts: each (placed on the logical screen) must fit the
// limits, and their areas together the pixel limit. The walk follows giflib's
// record structure (image descriptor, optional local colour table, LZW code
// size, data sub-blocks; extensions; trailer) and stops where giflib would
// stop; frames seen before a broken or truncated part still count, since
// giflib allocates a frame's raster as soon as it has read the descriptor.
// `extra_read`: giflib 5.2's DGifSlurp reads one more sub-block length after
// an extension whose first sub-block is empty; whether the installed giflib
// does is not ours to know, so the caller walks both ways.
Status CheckGifWalk(std::string_view gif, const ImageLimits& limits,
                    bool extra_read) {
  auto u8 = [&gif](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(gif[at]));
  };
  auto u16 = [&](size_t at) {
    return static_cast<int>(u8(at) | u8(at + 1) << 8);
  };
  if (gif.size() < 13) return OkStatus();  // giflib fails before allocating
  int64_t pixels = 0;
  size_t at = 13;
  if (u8(10) & 0x80) at += 3u * (2u << (u8(10) & 0x07));  // global colours
  while (at < gif.size()) {
    if (u8(at) == 0x2C) {  // image descriptor
      if (at + 10 > gif.size()) break;
      const int w = u16(at + 5), h = u16(at + 7);
      RETURN_IF_ERROR(CheckSize(std::max(u16(6), u16(at + 1) + w),
                                std::max(u16(8), u16(at + 3) + h), limits));
      pixels += static_cast<int64_t>(w) * h;
      if (pixels > limits.max_pixels) {
        return PayloadTooLargeError(
            "GIF frames hold " + std::to_string(pixels) +
            " pixels in all (every frame is decoded); the limit is " +
            std::to_string(limits.max_pixels));
      }
      const size_t flags = u8(at + 9);
      at += 10;
      if (flags & 0x80) at += 3u * (2u << (flags & 0x07));  // local colours
      ++at;                       // LZW minimum code size
    } else if (u8(at) == 0x21) {  // extension: introducer, label
      at += 2;
      if (extra_read && at < gif.size() && gif[at] == 0) ++at;
    } else {
      break;  // trailer, or a byte giflib rejects
    }
    while (at < gif.size() && gif[at] != 0) at += 1 + u8(at);  // sub-blocks
    ++at;  // block terminator
  }
  return OkStatus();
}

Status CheckGifFrames(std::string_view gif, const ImageLimits& limits) {
  RETURN_IF_ERROR(CheckGifWalk(gif, limits, /*extra_read=*/false));
  return CheckGifWalk(gif, limits, /*extra_read=*/true);
}

// Owns `pix` (null: undecodable); flattens transparency onto white, as
// pytesseract does.
StatusOr<Image> Finish(Pix* pix) {
  if (pix == nullptr) {
    return InvalidArgumentError("image data is corrupt or truncated");
  }
  Image image(pix);
  if (pixGetSpp(pix) == 4) {
    Pix* flat = pixAlphaBlendUniform(pix, 0xffffff00);
    if (flat == nullptr) return InternalError("cannot flatten transparency");
    image = Image(flat);
  }
  return image;
}

// Applies EXIF orientation 2-8 (see exif_orientation.h).
StatusOr<Image> Upright(Image image, int orientation, int* rotation) {
  Pix* pix = image.pix();
  Pix* mirrored = nullptr;
  if (orientation == 2 || orientation == 5 || orientation == 7) {
    mirrored = pixFlipLR(nullptr, pix);
    if (mirrored == nullptr) return InternalError("cannot mirror the image");
    image = Image(mirrored);
    pix = mirrored;
  }
  int quads = 0;  // quarter turns clockwise
  switch (orientation) {
    case 3:
      quads = 2;
      break;
    case 4:
      quads = 2;  // mirrored vertically = mirrored, then turned 180
      break;
    case 6:
    case 7:
      quads = 1;
      break;
    case 5:
    case 8:
      quads = 3;
      break;
    default:
      break;
  }
  if (orientation == 4) {
    Pix* flipped = pixFlipLR(nullptr, pix);
    if (flipped == nullptr) return InternalError("cannot mirror the image");
    image = Image(flipped);
    pix = flipped;
  }
  if (quads != 0) {
    Pix* turned = pixRotateOrth(pix, quads);
    if (turned == nullptr) return InternalError("cannot turn the image");
    image = Image(turned);
  }
  if (rotation != nullptr) *rotation = quads * 90;
  return image;
}

}  // namespace

Image::Image(Pix* pix) : pix_(pix) {}
void Image::Deleter::operator()(Pix* pix) const { pixDestroy(&pix); }
Image Image::Clone() const { return Image(pixClone(pix_.get())); }

int Image::width() const { return pix_ ? pixGetWidth(pix_.get()) : 0; }
int Image::height() const { return pix_ ? pixGetHeight(pix_.get()) : 0; }

// libpng allocates a text chunk's (tEXt, zTXt, iTXt) declared length before
// it reads the data, so a few bytes declaring a 640 MiB chunk made it
// allocate 640 MiB (found by tests/fuzz/image_fuzzer). No chunk of a real
// file runs past the file's end: such a PNG is refused before libpng runs.
Status CheckPngChunks(std::string_view png) {
  size_t at = 8;  // past the signature
  while (at + 8 <= png.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(png.data() + at);
    const uint64_t length = uint64_t{p[0]} << 24 | uint64_t{p[1]} << 16 |
                            uint64_t{p[2]} << 8 | uint64_t{p[3]};
    const std::string type(png.substr(at + 4, 4));
    const size_t left = png.size() - at - 8;
    if (length > left) {
      return InvalidArgumentError("PNG chunk '" + type + "' declares " +
                                  std::to_string(length) + " bytes but only " +
                                  std::to_string(left) + " follow");
    }
    if (type == "IEND") break;
    at += 12 + length;  // length, type, data, CRC
  }
  return OkStatus();
}

bool LooksLikeImage(std::string_view bytes) {
  return SniffImageFormat(bytes) != nullptr;
}

StatusOr<Image> DecodeImage(std::string_view bytes, const ImageLimits& limits,
                            int* rotation) {
  if (rotation != nullptr) *rotation = 0;
  QuietLeptonica();
  if (bytes.empty()) return InvalidArgumentError("image is empty");
  // The gateway's sniffer, so what it forwards as an image is never refused
  // here as a non-image (and the reverse).
  const ImageFormat* sniffed = SniffImageFormat(bytes);
  if (sniffed == nullptr) {
    return InvalidArgumentError("data is not a supported image (" +
                                SupportedImageFormatNames() + ")");
  }
  // Leptonica reads a 12-byte signature before it looks at the length.
  if (bytes.size() < 12) {
    return InvalidArgumentError(std::string(sniffed->name) +
                                " image data is truncated");
  }
  l_int32 format = IFF_UNKNOWN;
  if (sniffed->media_type == "image/gif") {
    RETURN_IF_ERROR(CheckGifFrames(bytes, limits));
  }
  if (sniffed->media_type == "image/png")
    RETURN_IF_ERROR(CheckPngChunks(bytes));
  l_int32 w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  if (pixReadHeaderMem(Bytes(bytes), bytes.size(), &format, &w, &h, &bps, &spp,
                       &iscmap) != 0 ||
      w <= 0 || h <= 0) {
    return InvalidArgumentError("image header is unreadable or corrupt");
  }
  RETURN_IF_ERROR(CheckSize(w, h, limits));
  ASSIGN_OR_RETURN(Image image, Finish(pixReadMem(Bytes(bytes), bytes.size())));
  if (sniffed->media_type == "image/jpeg") {
    const int orientation = JpegExifOrientation(bytes);
    if (orientation != 1) {
      ASSIGN_OR_RETURN(image, Upright(std::move(image), orientation, rotation));
    }
  }
  return image;
}

StatusOr<Image> TurnClockwise(const Image& image, int degrees) {
  const int quads = ((degrees / 90) % 4 + 4) % 4;
  Pix* turned =
      quads == 0 ? pixClone(image.pix()) : pixRotateOrth(image.pix(), quads);
  if (turned == nullptr) return InternalError("cannot turn the image");
  return Image(turned);
}

StatusOr<Image> Scale(const Image& image, double factor) {
  const auto f = static_cast<l_float32>(factor);
  Pix* scaled = pixScale(image.pix(), f, f);
  if (scaled == nullptr) return InternalError("cannot scale the image");
  // The resolution it had: Tesseract is to see the text larger (or
  // smaller), not the page (pixScale scales the resolution too).
  pixCopyResolution(scaled, image.pix());
  return Image(scaled);
}

StatusOr<double> Straighten(Image* image) {
  l_float32 angle = 0, conf = 0;
  // Defaults of Leptonica's pixDeskew: a +-7 degree sweep, then a binary
  // search; it returns a copy when the skew is below 0.1 degree or not
  // confident.
  Pix* straight =
      pixDeskewGeneral(image->pix(), 0, 0.0f, 0.0f, 0, 0, &angle, &conf);
  if (straight == nullptr) return InternalError("cannot deskew the image");
  *image = Image(straight);
  // Leptonica turns only when confident (conf >= 3) and |angle| >= 0.1.
  if (conf < 3.0f || std::abs(angle) < 0.1f) return 0.0;
  return static_cast<double>(angle);
}

StatusOr<int> CountTiffPages(std::string_view bytes) {
  QuietLeptonica();
  FILE* fp = fopenReadFromMemory(Bytes(bytes), bytes.size());
  if (fp == nullptr) return InternalError("cannot read the TIFF in memory");
  l_int32 n = 0;
  const bool ok = tiffGetCount(fp, &n) == 0;
  fclose(fp);
  if (!ok || n <= 0) {
    return InvalidArgumentError("TIFF data is corrupt: no readable page");
  }
  return static_cast<int>(n);
}

StatusOr<Image> DecodeTiffPage(std::string_view bytes, int index,
                               const ImageLimits& limits) {
  QuietLeptonica();
  if (index == 0) return DecodeImage(bytes, limits);
  l_int32 w = 0, h = 0, bps = 0, spp = 0, res = 0, cmap = 0, format = 0;
  if (readHeaderMemTiff(Bytes(bytes), bytes.size(), index, &w, &h, &bps, &spp,
                        &res, &cmap, &format) != 0 ||
      w <= 0 || h <= 0) {
    return InvalidArgumentError("TIFF page " + std::to_string(index + 1) +
                                " has an unreadable or corrupt header");
  }
  RETURN_IF_ERROR(CheckSize(w, h, limits)
                      .WithPrefix("TIFF page " + std::to_string(index + 1)));
  return Finish(pixReadMemTiff(Bytes(bytes), bytes.size(), index));
}

}  // namespace ocr
