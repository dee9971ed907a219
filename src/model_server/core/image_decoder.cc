#include "model_server/core/image_decoder.h"

#include <leptonica/allheaders.h>

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
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  if (pixReadHeaderMem(Bytes(bytes), bytes.size(), &format, &w, &h, &bps, &spp,
                       &iscmap) != 0 ||
      w <= 0 || h <= 0) {
    return InvalidArgumentError("image header is unreadable or corrupt");
  }
  if (w > limits.max_side || h > limits.max_side) {
    return PayloadTooLargeError(
        "image is " + std::to_string(w) + "x" + std::to_string(h) +
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
