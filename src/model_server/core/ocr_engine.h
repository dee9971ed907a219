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
  // Leave the reading in the engine for SearchablePdf::AddKeptPage (the
  // next Recognize drops it).
  bool keep = false;
};

// What orientation and script detection found on a page.
struct Orientation {
  int turn = 0;        // degrees the page is turned from upright, clockwise
                       // (0, 90, 180, 270); 0 when detection is not confident
  std::string script;  // "Latin", "Cyrillic", "Han", ...; empty when not
                       // confident
};

// A searchable PDF being written by one engine (Tesseract's PDF renderer):
// each page is the image of a reading the engine kept, with its text
// drawn invisibly over it.
class SearchablePdf {
 public:
  virtual ~SearchablePdf() = default;
  // Adds the engine's kept reading as the next page.
  virtual Status AddKeptPage() = 0;
  // Ends the document; returns the PDF's bytes.
  virtual StatusOr<std::string> Finish() = 0;
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
  // Tesseract's orientation and script detection (osd.traineddata).
  virtual StatusOr<Orientation> DetectOrientation(const Image& image) = 0;
  // Starts a searchable PDF of this engine's kept readings; the engine must
  // outlive it.
  virtual StatusOr<std::unique_ptr<SearchablePdf>> BeginPdf() = 0;
};

// Creates an engine initialised for `lang` ("eng", "eng+deu").
using EngineFactory = std::function<StatusOr<std::unique_ptr<OcrEngine>>(
    const std::string& lang)>;

}  // namespace ocr
