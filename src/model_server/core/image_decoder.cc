#include "model_server/core/image_decoder.h"

#include <leptonica/allheaders.h>

#include <algorithm>
#include <mutex>
#include <string>

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

// Leptonica's pixReadHeaderMem decodes a whole GIF to learn its size, so a
// small GIF declaring a huge frame would be decoded before our limits apply.
// Reads the size of the logical screen and of the first frame from the bytes.
// Returns false when the structure is too broken to tell (decoding will then
// fail on its own).
bool GifFrameSize(std::string_view gif, int* width, int* height) {
  auto u16 = [&gif](size_t at) {
    return static_cast<int>(static_cast<unsigned char>(gif[at])) |
           (static_cast<int>(static_cast<unsigned char>(gif[at + 1])) << 8);
  };
  if (gif.size() < 13) return false;
  *width = u16(6);
  *height = u16(8);
  size_t at = 13;
  const auto flags = static_cast<unsigned char>(gif[10]);
  if (flags & 0x80) at += 3u * (2u << (flags & 0x07));  // global colour table
  while (at < gif.size()) {
    const auto block = static_cast<unsigned char>(gif[at]);
    if (block == 0x2C) {  // image descriptor
      if (at + 9 > gif.size()) return false;
      *width = std::max(*width, u16(at + 1) + u16(at + 5));
      *height = std::max(*height, u16(at + 3) + u16(at + 7));
      return true;
    }
    if (block != 0x21 || at + 2 >= gif.size()) return false;  // not extension
    at += 2;  // introducer and label, then data sub-blocks
    while (at < gif.size() && gif[at] != 0) {
      at += 1 + static_cast<unsigned char>(gif[at]);
    }
    ++at;  // block terminator
  }
  return false;
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

}  // namespace

Image::Image(Pix* pix) : pix_(pix) {}
void Image::Deleter::operator()(Pix* pix) const { pixDestroy(&pix); }
int Image::width() const { return pix_ ? pixGetWidth(pix_.get()) : 0; }
int Image::height() const { return pix_ ? pixGetHeight(pix_.get()) : 0; }

bool LooksLikeImage(std::string_view bytes) {
  QuietLeptonica();
  if (bytes.size() < 12) return false;
  l_int32 format = IFF_UNKNOWN;
  if (findFileFormatBuffer(Bytes(bytes), &format) != 0) return false;
  return format != IFF_UNKNOWN && format != IFF_SPIX;
}

StatusOr<Image> DecodeImage(std::string_view bytes, const ImageLimits& limits) {
  QuietLeptonica();
  if (bytes.empty()) return InvalidArgumentError("image is empty");
  if (!LooksLikeImage(bytes)) {
    return InvalidArgumentError(
        "data is not a supported image (PNG, JPEG, TIFF, BMP, GIF, WebP, "
        "JPEG 2000 or PNM)");
  }
  l_int32 format = IFF_UNKNOWN;
  findFileFormatBuffer(Bytes(bytes), &format);
  if (format == IFF_GIF) {
    int gif_w = 0, gif_h = 0;
    if (GifFrameSize(bytes, &gif_w, &gif_h)) {
      RETURN_IF_ERROR(CheckSize(gif_w, gif_h, limits));
    }
  }
  l_int32 w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  if (pixReadHeaderMem(Bytes(bytes), bytes.size(), &format, &w, &h, &bps, &spp,
                       &iscmap) != 0 ||
      w <= 0 || h <= 0) {
    return InvalidArgumentError("image header is unreadable or corrupt");
  }
  RETURN_IF_ERROR(CheckSize(w, h, limits));
  Pix* pix = pixReadMem(Bytes(bytes), bytes.size());
  if (pix == nullptr) {
    return InvalidArgumentError("image data is corrupt or truncated");
  }
  Image image(pix);
  if (pixGetSpp(pix) == 4) {
    // pytesseract flattens transparency onto white; so do we.
    Pix* flat = pixAlphaBlendUniform(pix, 0xffffff00);
    if (flat == nullptr) return InternalError("cannot flatten transparency");
    image = Image(flat);
  }
  return image;
}

}  // namespace ocr
