// Protocol-neutral request and response types of the inference core. The REST
// (and later gRPC) front ends translate their wire formats to and from these.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocr {

using Clock = std::chrono::steady_clock;

// What a request asks to get back for each input (the `output` parameter).
enum class OutputFormat : uint8_t {
  kText = 0,  // plain text; pages separated by a form feed, as the CLI
  kHocr,      // Tesseract's hOCR renderer
  kAlto,      // Tesseract's ALTO renderer
  kTsv,       // Tesseract's TSV renderer
  kJson,      // pages, blocks, lines and words with boxes and confidences
  kPdf,       // a searchable PDF (Tesseract's PDF renderer)
};

// Whether a PDF page's own text replaces OCR (`text_layer`).
enum class TextLayer : uint8_t {
  kIgnore = 0,  // OCR every page, as the reference would
  kUse,         // a page carrying text returns it; the others are OCRed
};

// Whether pages turned by 90, 180 or 270 degrees are turned upright first
// (`rotate`), from Tesseract's orientation detection (osd.traineddata).
enum class Rotate : uint8_t {
  kAuto = 0,  // when the detection is confident and the page large enough
  kNone,
};

enum class Deskew : uint8_t {
  kAuto = 0,  // a page that reads badly is straightened and read again
  kAlways,    // deskew=true: every page is straightened first
  kNever,     // deskew=false
};

// Options of one recognition, after defaults were applied and validated.
// Every field changes the answer: the result cache keys on all of them
// (AppendOptionsKey).
// lang=auto: the language of the script orientation detection finds on
// each page (script_languages.h).
inline constexpr std::string_view kAutoLanguage = "auto";

struct OcrOptions {
  std::string lang = "eng";  // installed language(s), "a+b" combines; auto
  int psm = 3;               // Tesseract page segmentation mode (3 = auto)
  int dpi = 0;  // source resolution; 0 = from the image or estimated (PDF
                // pages are rendered at dpi, 0 meaning 300)
  OutputFormat output = OutputFormat::kText;
  TextLayer text_layer = TextLayer::kIgnore;
  Rotate rotate = Rotate::kAuto;
  Deskew deskew = Deskew::kAuto;
  bool rescale = true;  // rescale=auto: text too small or too large for
                        // Tesseract is read again at a better scale
  // The number of the input's first page in the document it was cut from
  // (the gateway sends a document's pages one by one): pages are numbered
  // from it in hOCR, ALTO, TSV and JSON.
  int first_page = 1;
};

// Appends every option to `key`, unambiguously.
void AppendOptionsKey(const OcrOptions& options, std::string* key);

// Options as a client sent them; unset fields take the server's defaults.
struct RequestedOptions {
  std::optional<std::string> lang;
  std::optional<int64_t> psm;
  std::optional<int64_t> dpi;
  std::optional<int64_t> timeout_us;      // Triton's `timeout` parameter
  std::optional<std::string> output;      // text, hocr, alto, tsv, json, pdf
  std::optional<std::string> text_layer;  // ignore, use
  std::optional<std::string> pages;       // "2", "1-3,7"; all by default
  std::optional<std::string> rotate;      // auto, none
  std::optional<std::string> deskew;      // auto, true, false
  std::optional<std::string> rescale;     // auto, none
  std::optional<int64_t> first_page;      // 1 by default
};

struct OcrResult {
  std::string text;  // the text, or the document in the requested output
  int width = 0;
  int height = 0;
  double mean_confidence = 0;  // Tesseract's mean word confidence, 0..100
  int64_t characters = 0;      // non-space characters recognised
  int pages = 1;               // pages recognised (or counted)
  int text_height = 0;         // median height of the words read, in pixels (0:
                               // none); not sent between processes
};

// An input file, shared by the units of work made from it (the pages of a
// document) and never copied. It owns its bytes, or is a slice of a buffer
// it shares with other files (the body of a binary-tensor request holding
// several images).
class SharedFile {
 public:
  explicit SharedFile(std::string bytes)
      : buffer_(std::make_shared<const std::string>(std::move(bytes))),
        bytes_(*buffer_) {}
  // `bytes` must lie within `*buffer`.
  SharedFile(std::shared_ptr<const std::string> buffer, std::string_view bytes)
      : buffer_(std::move(buffer)), bytes_(bytes) {}
  std::string_view bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  // SHA-256 of the bytes, computed once (for the result cache); empty when
  // it cannot be computed.
  const std::string& Digest() const;

 private:
  const std::shared_ptr<const std::string> buffer_;
  const std::string_view bytes_;
  mutable std::once_flag digest_once_;
  mutable std::string digest_;
};
using FileRef = std::shared_ptr<const SharedFile>;
inline FileRef ShareFile(std::string bytes) {
  return std::make_shared<const SharedFile>(std::move(bytes));
}
inline FileRef ShareSlice(std::shared_ptr<const std::string> buffer,
                          std::string_view bytes) {
  return std::make_shared<const SharedFile>(std::move(buffer), bytes);
}

// Set when the request's deadline passes or its client goes away (gRPC's
// cancellation, a closed REST connection), so queued or running
// recognitions of that request stop early.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

struct InferRequest {
  std::string id;  // echoed in the response; empty: one is generated
  std::string model_name;
  std::string model_version;    // empty: the current version
  std::vector<FileRef> images;  // encoded image files (PNG, JPEG, PDF, ...)
  RequestedOptions options;
  Clock::time_point deadline = Clock::time_point::max();
  CancelFlag cancelled = std::make_shared<std::atomic<bool>>(false);
};

struct InferResponse {
  std::string id;
  std::string model_name;
  std::vector<OcrResult> results;             // one per input image, in order
  OutputFormat output = OutputFormat::kText;  // what each result's text is
};

}  // namespace ocr
