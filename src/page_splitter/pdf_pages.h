// The pages of a PDF, each copied into a one-page PDF of its own with qpdf,
// without rendering: the page object with what it inherits from the page
// tree (MediaBox, CropBox, Resources, Rotate), everything it refers to
// (content streams, fonts, images; never other pages), its annotations'
// form fields and the document's optional-content settings, so that the
// page draws as it did in the original. Streams are copied as they are;
// the file ID is derived from the content (the same page gives the same
// bytes).
#pragma once

#include <memory>

#include "page_splitter/page_split.h"

namespace ocr::page_split {

// Reads `fd` through a FILE* of its own (qpdf reads objects as needed).
// kInvalidArgument for a damaged PDF qpdf cannot repair, one protected by
// a password, or one without pages.
StatusOr<std::unique_ptr<Document>> OpenPdf(int fd);

}  // namespace ocr::page_split
