#include "model_server/core/pdf_reader.h"

#include <leptonica/allheaders.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace ocr {

struct PdfDocument::Impl {
  std::unique_ptr<poppler::document> doc;
};

void QuietPoppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function([](const std::string&, void*) {},
                                      nullptr);
  });
}

Status WarmPdfReader() {
  static constexpr std::string_view kPdf =
      "%PDF-1.4\n"
      "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
      "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
      "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] "
      "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj\n"
      "4 0 obj << /Length 34 >> stream\n"
      "BT /F1 12 Tf 4 30 Td (warm) Tj ET\n"
      "endstream endobj\n"
      "5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
      "endobj\n"
      "trailer << /Root 1 0 R >>\n%%EOF\n";
  ASSIGN_OR_RETURN(auto doc, PdfDocument::Open(kPdf));
  RETURN_IF_ERROR(doc->Render(0, 72, ImageLimits{}).status());
  ASSIGN_OR_RETURN(std::string text, doc->TextLayer(0));
  if (text.find("warm") == std::string::npos) {
    return InternalError("poppler cannot read the text of a PDF");
  }
  return OkStatus();
}

PdfDocument::PdfDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfDocument::~PdfDocument() = default;

StatusOr<std::unique_ptr<PdfDocument>> PdfDocument::Open(
    std::string_view bytes) {
  QuietPoppler();
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return PayloadTooLargeError("PDF is too large");
  }
  auto impl = std::make_unique<Impl>();
  impl->doc.reset(poppler::document::load_from_raw_data(
      bytes.data(), static_cast<int>(bytes.size())));
  if (!impl->doc) {
    return InvalidArgumentError("PDF is corrupt or truncated");
  }
  if (impl->doc->is_locked()) {
    return InvalidArgumentError("PDF is protected by a password");
  }
  if (impl->doc->pages() <= 0) {
    return InvalidArgumentError("PDF has no page");
  }
  return std::unique_ptr<PdfDocument>(new PdfDocument(std::move(impl)));
}

int PdfDocument::pages() const { return impl_->doc->pages(); }

StatusOr<Image> PdfDocument::Render(int index, int dpi,
                                    const ImageLimits& limits) const {
  const std::string which = "PDF page " + std::to_string(index + 1);
  std::unique_ptr<poppler::page> page(impl_->doc->create_page(index));
  if (!page) return InvalidArgumentError(which + " cannot be read");
  // The crop box in points (1/72 inch); a page turned by 90 or 270 degrees
  // renders with its sides swapped.
  const poppler::rectf box = page->page_rect(poppler::crop_box);
  double w = std::abs(box.width()) * dpi / 72.0;
  double h = std::abs(box.height()) * dpi / 72.0;
  const auto turn = page->orientation();
  if (turn == poppler::page::landscape || turn == poppler::page::seascape) {
    std::swap(w, h);
  }
  if (!(w >= 1 && h >= 1)) return InvalidArgumentError(which + " is empty");
  const double pixels = w * h;
  if (w > limits.max_side || h > limits.max_side ||
      pixels > static_cast<double>(limits.max_pixels)) {
    return PayloadTooLargeError(
        which + " is " + std::to_string(std::lround(w)) + "x" +
        std::to_string(std::lround(h)) + " pixels at " + std::to_string(dpi) +
        " dpi; the limit is " + std::to_string(limits.max_pixels) +
        " pixels and " + std::to_string(limits.max_side) +
        " per side (ask for a lower dpi)");
  }
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_gray8);
  const poppler::image img = renderer.render_page(page.get(), dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) {
    return InvalidArgumentError(which + " cannot be rendered");
  }
  Pix* pix = pixCreate(img.width(), img.height(), 8);
  if (pix == nullptr) return InternalError("out of memory for " + which);
  Image out(pix);
  const auto* src = reinterpret_cast<const unsigned char*>(img.const_data());
  l_uint32* data = pixGetData(pix);
  const int wpl = pixGetWpl(pix);
  for (int y = 0; y < img.height(); ++y) {
    const unsigned char* row =
        src + static_cast<ptrdiff_t>(y) * img.bytes_per_row();
    l_uint32* line = data + static_cast<ptrdiff_t>(y) * wpl;
    for (int x = 0; x < img.width(); ++x) SET_DATA_BYTE(line, x, row[x]);
  }
  pixSetResolution(pix, dpi, dpi);
  return out;
}

StatusOr<std::string> PdfDocument::TextLayer(int index) const {
  std::unique_ptr<poppler::page> page(impl_->doc->create_page(index));
  if (!page) {
    return InvalidArgumentError("PDF page " + std::to_string(index + 1) +
                                " cannot be read");
  }
  const poppler::byte_array utf8 =
      page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
  std::string text(utf8.begin(), utf8.end());
  // Blank: no text layer.
  if (std::all_of(text.begin(), text.end(), [](char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f';
      })) {
    text.clear();
  }
  return text;
}

}  // namespace ocr
