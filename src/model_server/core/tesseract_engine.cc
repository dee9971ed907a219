#include "model_server/core/tesseract_engine.h"

#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>

namespace ocr {
namespace {

class TesseractEngine : public OcrEngine {
 public:
  Status Init(const std::string& tessdata_dir, const std::string& lang,
              TessdataReader reader) {
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
      std::unique_ptr<char[]> text(api_.GetUTF8Text());
      if (text) r.text = text.get();
      r.width = image.width();
      r.height = image.height();
      r.mean_confidence = api_.MeanTextConf();
      r.characters = static_cast<int64_t>(
          std::count_if(r.text.begin(), r.text.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            // Count code points: skip UTF-8 continuation bytes and spaces.
            return (u & 0xC0) != 0x80 && !std::isspace(u);
          }));
      result = std::move(r);
    }
    // Same image, same text: drop the page and any adaptive state.
    api_.Clear();
    api_.ClearAdaptiveClassifier();
    return result;
  }

 private:
  static bool ShouldCancel(void* control, int /*words*/) {
    const auto* c = static_cast<const RecognizeControl*>(control);
    return c->cancelled != nullptr && c->cancelled->load();
  }

  tesseract::TessBaseAPI api_;
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
