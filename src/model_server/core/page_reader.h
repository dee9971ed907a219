// The pages of an input file: a single image is one page, a TIFF has a page
// per directory, a PDF its pages (rendered by pdf_reader.h). Runs where
// recognition runs (a worker process by default), never on the server's
// side of the socket: it parses untrusted bytes.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model_server/core/document_output.h"
#include "model_server/core/image_decoder.h"
#include "model_server/core/types.h"

namespace ocr {

// The resolution PDF pages are rendered at when the request gives none.
inline constexpr int kDefaultPdfDpi = 300;

StatusOr<int> CountPages(std::string_view bytes);

struct PageInput {
  Image image;       // to recognise; empty when the text layer answered
  std::string text;  // the PDF page's own text (text_layer=use)
  PageFacts facts;
};

// Page `index` (0-based) of `bytes`, decoded under `limits`.
StatusOr<PageInput> ReadPage(std::string_view bytes, int index,
                             const OcrOptions& options,
                             const ImageLimits& limits);

}  // namespace ocr
