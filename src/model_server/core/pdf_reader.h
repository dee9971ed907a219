// PDF pages, rasterised with poppler (the only file that sees poppler), in
// the process that recognises them (an engine worker by default): a hostile
// PDF costs that worker, never the server.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model_server/core/image_decoder.h"

namespace ocr {

// An open PDF. Keeps a view of the bytes, which must outlive it.
class PdfDocument {
 public:
  // kInvalidArgument for what poppler cannot open, or a password-protected
  // document.
  static StatusOr<std::unique_ptr<PdfDocument>> Open(std::string_view bytes);
  ~PdfDocument();

  int pages() const;
  // Page `index` (0-based) rendered at `dpi` in 8-bit grey, after its size
  // at that resolution was checked against `limits` (kPayloadTooLarge
  // before rendering).
  StatusOr<Image> Render(int index, int dpi, const ImageLimits& limits) const;
  // The text the page carries (born-digital PDFs), in reading order; empty
  // when it has none (a scan).
  StatusOr<std::string> TextLayer(int index) const;

 private:
  struct Impl;
  explicit PdfDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Silences poppler's messages on stderr (the log is one JSON object a line)
// once per process.
void QuietPoppler();

// Renders and reads the text of a small built-in PDF once, so that what
// poppler and the C library load on first use (poppler's settings,
// fontconfig, the character-set conversion tables behind its UTF-8 text)
// is loaded before a worker's system-call filter forbids opening files.
Status WarmPdfReader();

}  // namespace ocr
