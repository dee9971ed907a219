#include "model_server/core/page_reader.h"

#include "common/image_format.h"
#include "model_server/core/pdf_reader.h"

namespace ocr {
namespace {

enum class Container { kImage, kTiff, kPdf };

Container ContainerOf(std::string_view bytes) {
  const ImageFormat* format = SniffImageFormat(bytes);
  if (format == nullptr) return Container::kImage;  // DecodeImage says why
  if (format->media_type == "application/pdf") return Container::kPdf;
  if (format->media_type == "image/tiff") return Container::kTiff;
  return Container::kImage;
}

}  // namespace

StatusOr<int> CountPages(std::string_view bytes) {
  switch (ContainerOf(bytes)) {
    case Container::kTiff:
      return CountTiffPages(bytes);
    case Container::kPdf: {
      ASSIGN_OR_RETURN(auto doc, PdfDocument::Open(bytes));
      return doc->pages();
    }
    case Container::kImage:
      break;
  }
  return 1;
}

StatusOr<PageInput> ReadPage(std::string_view bytes, int index,
                             const OcrOptions& options,
                             const ImageLimits& limits) {
  PageInput page;
  page.facts.index = index + options.first_page - 1;
  switch (ContainerOf(bytes)) {
    case Container::kImage: {
      if (index != 0) {
        return InvalidArgumentError("page " + std::to_string(index + 1) +
                                    " of a single image");
      }
      ASSIGN_OR_RETURN(page.image,
                       DecodeImage(bytes, limits, &page.facts.rotation));
      break;
    }
    case Container::kTiff: {
      ASSIGN_OR_RETURN(page.image, DecodeTiffPage(bytes, index, limits));
      break;
    }
    case Container::kPdf: {
      ASSIGN_OR_RETURN(auto doc, PdfDocument::Open(bytes));
      if (index >= doc->pages()) {
        return InvalidArgumentError("the PDF has no page " +
                                    std::to_string(index + 1));
      }
      if (options.text_layer == TextLayer::kUse) {
        ASSIGN_OR_RETURN(page.text, doc->TextLayer(index));
        if (!page.text.empty()) {
          page.facts.from_text_layer = true;
          return page;
        }
      }
      const int dpi = options.dpi > 0 ? options.dpi : kDefaultPdfDpi;
      ASSIGN_OR_RETURN(page.image, doc->Render(index, dpi, limits));
      break;
    }
  }
  return page;
}

}  // namespace ocr
