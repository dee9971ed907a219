#include "model_server/core/tesseract_engine.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/renderer.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>

#include "common/json_writer.h"
#include "model_server/core/document_output.h"

namespace ocr {
namespace {

// Takes a string Tesseract allocated with new[].
std::string Take(char* text) {
  std::unique_ptr<char[]> owned(text);
  return owned ? std::string(owned.get()) : std::string();
}

void AppendBox(std::string& out, const tesseract::ResultIterator& it,
               tesseract::PageIteratorLevel level) {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  it.BoundingBox(level, &x0, &y0, &x1, &y1);
  out += "\"bbox\":[" + std::to_string(x0) + "," + std::to_string(y0) + "," +
         std::to_string(x1) + "," + std::to_string(y1) + "],\"conf\":";
  char conf[32];
  std::snprintf(conf, sizeof conf, "%.2f",
                static_cast<double>(it.Confidence(level)));
  out += conf;
  out += ",\"text\":";
  std::string text = Take(it.GetUTF8Text(level));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  json::AppendString(out, text);
}

// {"blocks":[{"bbox":[x0,y0,x1,y1],"conf":..,"text":..,"lines":[{...,
// "words":[{...}]}]}]}: the recognised layout of the page, in its pixels.
std::string LayoutJson(tesseract::TessBaseAPI& api) {
  std::string out = "[";
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (it && !it->Empty(tesseract::RIL_WORD)) {
    bool first_block = true;
    bool in_line = false;
    do {
      if (it->IsAtBeginningOf(tesseract::RIL_BLOCK)) {
        if (!first_block) out += "]}]},";
        first_block = false;
        in_line = false;
        out += "{";
        AppendBox(out, *it, tesseract::RIL_BLOCK);
        out += ",\"lines\":[";
      }
      if (it->IsAtBeginningOf(tesseract::RIL_TEXTLINE)) {
        if (in_line) out += "]},";
        in_line = true;
        out += "{";
        AppendBox(out, *it, tesseract::RIL_TEXTLINE);
        out += ",\"words\":[";
      } else {
        out += ",";
      }
      out += "{";
      AppendBox(out, *it, tesseract::RIL_WORD);
      out += "}";
    } while (it->Next(tesseract::RIL_WORD));
    out += "]}]}";
  }
  out += "]";
  return out;
}

// Drops the page `api` read and any adaptive state, so that the next image
// reads as if it were the first.
void ClearReading(tesseract::TessBaseAPI& api, bool& kept) {
  if (!kept) return;
  api.Clear();
  api.ClearAdaptiveClassifier();
  kept = false;
}

// The page image for the PDF, in a form Leptonica compresses in memory.
// It writes JPEG and G4 data through temporary files, which a sandboxed
// worker cannot create, and uses flate (in memory) for colormapped images:
// so every page gets a colormap, lossless for grey and bilevel pages, 256
// colours for colour ones.
Pix* InMemoryEncodable(Pix* page) {
  if (pixGetColormap(page) != nullptr) return pixClone(page);
  const int depth = pixGetDepth(page);
  if (depth == 32) return pixConvertRGBToColormap(page, 1);
  if (depth == 8) return pixConvertGrayToColormap8(page, 8);
  Pix* grey = pixConvertTo8(page, 0);
  if (grey == nullptr) return nullptr;
  Pix* mapped = pixConvertGrayToColormap8(grey, 8);
  pixDestroy(&grey);
  return mapped;
}

// Tesseract's PDF renderer writes only to a file or to stdout, and takes
// stdout when it is constructed: for that moment stdout points at a memory
// stream, under this lock (nothing else in the services writes to stdout).
std::mutex& StdoutLock() {
  static std::mutex mu;
  return mu;
}

class TesseractPdf : public SearchablePdf {
 public:
  TesseractPdf(tesseract::TessBaseAPI& api, bool& kept)
      : api_(api), kept_(kept) {}
  ~TesseractPdf() override {
    renderer_.reset();  // closes the stream
    std::free(data_);
  }

  Status Begin() {
    std::lock_guard lock(StdoutLock());
    FILE* stream = open_memstream(&data_, &size_);
    if (stream == nullptr) return InternalError("cannot start a PDF");
    FILE* const saved = stdout;
    stdout = stream;
    // No tessdata folder: the renderer then uses its built-in glyphless
    // font (the pdf.ttf of tessdata), which a sandboxed worker could not
    // open anyway.
    renderer_ =
        std::make_unique<tesseract::TessPDFRenderer>("stdout", "", false);
    stdout = saved;
    if (!renderer_->BeginDocument("")) {
      return InternalError("Tesseract's PDF renderer failed to start");
    }
    return OkStatus();
  }

  Status AddKeptPage() override {
    if (!kept_) return InternalError("no reading to add to the PDF");
    Pix* image = InMemoryEncodable(api_.GetInputImage());
    if (image == nullptr) {
      ClearReading(api_, kept_);
      return InternalError("cannot prepare a page image for the PDF");
    }
    api_.SetInputImage(image);  // takes it
    const bool ok = renderer_->AddImage(&api_);
    ClearReading(api_, kept_);
    if (!ok) return InternalError("Tesseract's PDF renderer failed on a page");
    return OkStatus();
  }

  StatusOr<std::string> Finish() override {
    const bool ok = renderer_->EndDocument();
    renderer_.reset();  // flushes and closes the stream: data_ is complete
    if (!ok) return InternalError("Tesseract's PDF renderer failed to end");
    return std::string(data_, size_);
  }

 private:
  tesseract::TessBaseAPI& api_;
  bool& kept_;
  char* data_ = nullptr;
  size_t size_ = 0;
  std::unique_ptr<tesseract::TessPDFRenderer> renderer_;
};

// The median height of the words `api` read, in pixels; 0 when none.
int MedianWordHeight(tesseract::TessBaseAPI& api) {
  std::vector<int> heights;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (it && !it->Empty(tesseract::RIL_WORD)) {
    do {
      int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
      if (it->BoundingBox(tesseract::RIL_WORD, &x0, &y0, &x1, &y1)) {
        heights.push_back(y1 - y0);
      }
    } while (it->Next(tesseract::RIL_WORD));
  }
  if (heights.empty()) return 0;
  auto middle =
      heights.begin() + static_cast<std::ptrdiff_t>(heights.size() / 2);
  std::nth_element(heights.begin(), middle, heights.end());
  return *middle;
}

class TesseractEngine : public OcrEngine {
 public:
  Status Init(const std::string& tessdata_dir, const std::string& lang,
              TessdataReader reader) {
    tessdata_dir_ = tessdata_dir;
    reader_ = reader;
    const int rc = reader == nullptr
                       ? api_.Init(tessdata_dir.c_str(), lang.c_str(),
                                   tesseract::OEM_DEFAULT)
                       : api_.Init(tessdata_dir.c_str(), 0, lang.c_str(),
                                   tesseract::OEM_DEFAULT, nullptr, 0, nullptr,
                                   nullptr, false, reader);
    if (rc != 0) {
      return InternalError("Tesseract could not load language '" + lang +
                           "' from " + tessdata_dir);
    }
    return OkStatus();
  }

  StatusOr<OcrResult> Recognize(const Image& image, const OcrOptions& options,
                                const RecognizeControl& control) override {
    const auto now = Clock::now();
    if (now >= control.deadline) {
      return DeadlineExceededError("deadline passed before recognition");
    }
    DropKept();
    api_.SetPageSegMode(static_cast<tesseract::PageSegMode>(options.psm));
    api_.SetImage(image.pix());
    if (options.dpi > 0) api_.SetSourceResolution(options.dpi);

    tesseract::ETEXT_DESC monitor;
    monitor.cancel = &TesseractEngine::ShouldCancel;
    monitor.cancel_this = const_cast<RecognizeControl*>(&control);
    if (control.deadline != Clock::time_point::max()) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          control.deadline - now)
                          .count();
      monitor.set_deadline_msecs(static_cast<int32_t>(
          std::min<int64_t>(ms, std::numeric_limits<int32_t>::max())));
    }
    const int rc = api_.Recognize(&monitor);
    const bool stopped =
        monitor.deadline_exceeded() || ShouldCancel(monitor.cancel_this, 0);
    StatusOr<OcrResult> result = InternalError("Tesseract recognition failed");
    if (stopped) {
      result = DeadlineExceededError("recognition stopped at the deadline");
    } else if (rc == 0) {
      OcrResult r;
      r.text = Take(api_.GetUTF8Text());
      r.width = image.width();
      r.height = image.height();
      r.mean_confidence = api_.MeanTextConf();
      r.characters = CountNonSpace(r.text);
      r.text_height = MedianWordHeight(api_);
      const int page = control.page.index;
      switch (options.output) {
        case OutputFormat::kText:
        case OutputFormat::kPdf:
          break;
        case OutputFormat::kHocr:
          r.text = Take(api_.GetHOCRText(page));
          break;
        case OutputFormat::kAlto:
          r.text = Take(api_.GetAltoText(page));
          break;
        case OutputFormat::kTsv:
          r.text = Take(api_.GetTSVText(page));
          break;
        case OutputFormat::kJson:
          r.text = PageJson(control.page, r, LayoutJson(api_));
          break;
      }
      result = std::move(r);
    }
    // Same image, same text: drop the page and any adaptive state (when
    // asked to keep the reading, at the next Recognize or AddKeptPage).
    kept_ = true;
    if (!control.keep || !result.ok()) DropKept();
    return result;
  }

  StatusOr<std::unique_ptr<SearchablePdf>> BeginPdf() override {
    auto pdf = std::make_unique<TesseractPdf>(api_, kept_);
    RETURN_IF_ERROR(pdf->Begin());
    return std::unique_ptr<SearchablePdf>(std::move(pdf));
  }

  StatusOr<Orientation> DetectOrientation(const Image& image) override {
    if (!osd_) {
      auto osd = std::make_unique<tesseract::TessBaseAPI>();
      const int rc =
          reader_ == nullptr
              ? osd->Init(tessdata_dir_.c_str(), "osd", tesseract::OEM_DEFAULT)
              : osd->Init(tessdata_dir_.c_str(), 0, "osd",
                          tesseract::OEM_DEFAULT, nullptr, 0, nullptr, nullptr,
                          false, reader_);
      if (rc != 0) {
        return InternalError(
            "Tesseract could not load osd.traineddata (orientation "
            "detection) from " +
            tessdata_dir_);
      }
      osd->SetPageSegMode(tesseract::PSM_OSD_ONLY);
      osd_ = std::move(osd);
    }
    osd_->SetImage(image.pix());
    int degrees = 0;
    float confidence = 0, script_confidence = 0;
    const char* script = nullptr;
    const bool ok = osd_->DetectOrientationScript(&degrees, &confidence,
                                                  &script, &script_confidence);
    osd_->Clear();
    Orientation found;
    if (!ok) return found;
    if (confidence >= kMinTurnConfidence) found.turn = degrees;
    if (script != nullptr && script_confidence >= kMinScriptConfidence) {
      found.script = script;
    }
    return found;
  }

 private:
  // Tesseract's orientation confidence below which a page is left as it
  // is. Measured by bench/orientation.sh on 33 upright and 51 turned pages
  // (docs/performance.md, "Orientation"): an upright page read as turned
  // never scored above 0.29, while the turned pages read right scored from
  // 0.06 (blurred, noisy) to 11; 0.5 turns all but the 3 worst of those
  // and no upright one (5 left 15 unturned). Detection only runs on pages
  // that already read badly (EngineSet::Run) and the turned reading is kept
  // only if it reads better.
  static constexpr float kMinTurnConfidence = 0.5f;
  // The same for the script (lang=auto): below it the default language is
  // used.
  static constexpr float kMinScriptConfidence = 2.0f;

  void DropKept() { ClearReading(api_, kept_); }

  static bool ShouldCancel(void* control, int /*words*/) {
    const auto* c = static_cast<const RecognizeControl*>(control);
    return c->cancelled != nullptr && c->cancelled->load();
  }

  tesseract::TessBaseAPI api_;
  bool kept_ = false;  // api_ holds a reading (cleared when false)
  std::unique_ptr<tesseract::TessBaseAPI> osd_;  // created on first use
  std::string tessdata_dir_;
  TessdataReader reader_ = nullptr;
};

}  // namespace

EngineFactory TesseractEngineFactory(std::string tessdata_dir,
                                     TessdataReader reader) {
  // Tesseract's diagnostics ("Estimating resolution as ...") would break the
  // one-JSON-object-per-line log on stderr. debug_file is a process-global
  // parameter: set once, before any engine runs, never from an engine
  // created lazily while others recognise.
  static std::once_flag globals;
  std::call_once(globals, [] {
    tesseract::TessBaseAPI api;
    api.SetVariable("debug_file", "/dev/null");
  });
  return [dir = std::move(tessdata_dir), reader](
             const std::string& lang) -> StatusOr<std::unique_ptr<OcrEngine>> {
    auto engine = std::make_unique<TesseractEngine>();
    RETURN_IF_ERROR(engine->Init(dir, lang, reader));
    return std::unique_ptr<OcrEngine>(std::move(engine));
  };
}

std::vector<std::string> InstalledLanguages(const std::string& tessdata_dir) {
  std::vector<std::string> langs;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(tessdata_dir, ec)) {
    const auto& path = entry.path();
    // osd.traineddata detects orientation and script (page modes 0 and 1);
    // it recognises no text, so it is no language to ask for.
    if (path.extension() == ".traineddata" && path.stem() != "osd") {
      langs.push_back(path.stem().string());
    }
  }
  std::sort(langs.begin(), langs.end());
  return langs;
}

std::string DefaultTessdataDir() {
  if (const char* prefix = std::getenv("TESSDATA_PREFIX");
      prefix != nullptr && *prefix != '\0') {
    return prefix;
  }
  return "/usr/share/tesseract-ocr/5/tessdata";
}

std::string TesseractVersion() { return tesseract::TessBaseAPI::Version(); }

}  // namespace ocr
