// One OCR engine: recognises decoded images, one at a time. Engines are not
// thread-safe; the pool gives each to one worker thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "model_server/core/document_output.h"
#include "model_server/core/image_decoder.h"
#include "model_server/core/types.h"

namespace ocr {

// When to give up on one recognition.
struct RecognizeControl {
  Clock::time_point deadline = Clock::time_point::max();
  const std::atomic<bool>* cancelled = nullptr;  // may be null
  PageFacts page;  // which page of its document, how it was read
};

class OcrEngine {
 public:
  virtual ~OcrEngine() = default;
  // Returns the recognised page in `options.output` (plain text; for hOCR,
  // ALTO and TSV Tesseract's fragment for this page; for JSON the page's
  // object; see document_output.h for the whole document) and statistics,
  // kDeadlineExceeded when
  // cancelled or out of time, kInternal when the library fails. The result
  // does not depend on what the engine recognised before.
  virtual StatusOr<OcrResult> Recognize(const Image& image,
                                        const OcrOptions& options,
                                        const RecognizeControl& control) = 0;
  // How far `image` is turned from upright, clockwise (0, 90, 180 or 270),
  // from Tesseract's orientation detection; 0 when it is not confident.
  virtual StatusOr<int> DetectTurn(const Image& image) = 0;
};

// Creates an engine initialised for `lang` ("eng", "eng+deu").
using EngineFactory = std::function<StatusOr<std::unique_ptr<OcrEngine>>(
    const std::string& lang)>;

}  // namespace ocr
