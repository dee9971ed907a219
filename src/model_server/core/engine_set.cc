#include "model_server/core/engine_set.h"

#include <algorithm>

#include "model_server/core/script_languages.h"

namespace ocr {

EngineSet::EngineSet(EngineSetOptions options, EngineFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

StatusOr<OcrEngine*> EngineSet::Get(const std::string& lang) {
  for (auto it = engines_.begin(); it != engines_.end(); ++it) {
    if (it->first == lang) {
      engines_.splice(engines_.begin(), engines_, it);
      return engines_.front().second.get();
    }
  }
  auto engine = factory_(lang);
  if (!engine.ok()) return engine.status();
  engines_.emplace_front(lang, std::move(engine).value());
  const int capacity =
      std::max<int>({options_.max_languages,
                     static_cast<int>(options_.preload_languages.size()), 1});
  while (static_cast<int>(engines_.size()) > capacity) engines_.pop_back();
  return engines_.front().second.get();
}

StatusOr<OcrEngine*> EngineSet::EngineFor(const OcrOptions& options,
                                          const Image& page, PageFacts* facts) {
  if (options.lang != kAutoLanguage) return Get(options.lang);
  const std::string fallback = options_.preload_languages.empty()
                                   ? std::string("eng")
                                   : options_.preload_languages.front();
  ASSIGN_OR_RETURN(OcrEngine * detector, Get(fallback));
  ASSIGN_OR_RETURN(const Orientation found, detector->DetectOrientation(page));
  facts->lang =
      LanguageForScript(found.script, options_.installed_languages, fallback);
  return Get(facts->lang);
}

Status EngineSet::Warm() {
  for (const auto& lang : options_.preload_languages) {
    RETURN_IF_ERROR(Get(lang).status());
  }
  return OkStatus();
}

StatusOr<OcrResult> EngineSet::Run(std::string_view file, UnitKind kind,
                                   int page, const std::vector<int>& pages,
                                   const OcrOptions& options,
                                   const RecognizeControl& control) {
  if (kind == UnitKind::kCountPages) {
    OcrResult counted;
    ASSIGN_OR_RETURN(counted.pages, CountPages(file));
    return counted;
  }
  if (kind == UnitKind::kSearchablePdf) {
    return WritePdf(file, pages, options, control);
  }
  ASSIGN_OR_RETURN(PageInput input,
                   ReadPage(file, page, options, options_.limits));
  if (input.facts.from_text_layer) {
    OcrResult r;
    r.text = std::move(input.text);
    r.characters = CountNonSpace(r.text);
    r.mean_confidence = 100;
    if (options.output == OutputFormat::kJson) {
      r.text = PageJson(input.facts, r, "[]");
    }
    return r;
  }
  ASSIGN_OR_RETURN(OcrEngine * engine,
                   EngineFor(options, input.image, &input.facts));
  return Recognize(*engine, input, options, control);
}

namespace {

// rescale=auto: Tesseract reads words best between about 16 and 140 pixels
// high; outside, the page is read again scaled toward 40 (docs/
// performance.md, "Rescaling"). A small image where nothing was read may be
// a crop of text too small to find: it is read again 4 times larger.
constexpr int kMinWordHeight = 16;
constexpr int kMaxWordHeight = 140;
constexpr double kTargetWordHeight = 40;
constexpr int kSmallImageSide = 300;
constexpr double kMaxUpscale = 4;
constexpr double kMaxDownscale = 0.25;

double RescaleFactor(const OcrResult& reading, const Image& image) {
  const int h = reading.text_height;
  if (h == 0) {
    return std::max(image.width(), image.height()) < kSmallImageSide
               ? kMaxUpscale
               : 1;
  }
  if (h < kMinWordHeight) return std::min(kMaxUpscale, kTargetWordHeight / h);
  if (h > kMaxWordHeight) return std::max(kMaxDownscale, kTargetWordHeight / h);
  return 1;
}

// Whether a second reading of a page replaces the first: it read something,
// with a higher mean confidence.
bool Better(const StatusOr<OcrResult>& again, const OcrResult& first) {
  return again.ok() && again->characters > 0 &&
         again->mean_confidence > first.mean_confidence;
}

}  // namespace

StatusOr<OcrResult> EngineSet::Recognize(OcrEngine& engine, PageInput& input,
                                         const OcrOptions& options,
                                         RecognizeControl control) {
  if (options.deskew == Deskew::kAlways) {
    ASSIGN_OR_RETURN(input.facts.skew, Straighten(&input.image));
  }
  control.page = input.facts;
  ASSIGN_OR_RETURN(OcrResult result,
                   engine.Recognize(input.image, options, control));
  bool engine_holds_it = true;  // the engine keeps the last reading only
  // rotate=auto: an upright page reads with a high mean confidence and is
  // answered as it is; only a page that reads badly, and is large enough
  // to hold text to go by, is asked for its orientation (which costs about
  // as much as recognising it), and the turned page's reading is kept when
  // it is better (docs/performance.md, "Orientation").
  const int64_t pixels =
      static_cast<int64_t>(input.image.width()) * input.image.height();
  if (options.rotate == Rotate::kAuto && pixels >= kMinPixelsToDetectTurn &&
      result.mean_confidence < kCheckTurnBelowConfidence) {
    ASSIGN_OR_RETURN(const Orientation found,
                     engine.DetectOrientation(input.image));
    if (found.turn != 0) {
      ASSIGN_OR_RETURN(Image upright,
                       TurnClockwise(input.image, 360 - found.turn));
      RecognizeControl turned = control;
      turned.page.rotation = (input.facts.rotation + 360 - found.turn) % 360;
      StatusOr<OcrResult> again = engine.Recognize(upright, options, turned);
      engine_holds_it = Better(again, result);
      if (engine_holds_it) {
        input.image = std::move(upright);
        input.facts = turned.page;
        result = std::move(again).value();
      }
    }
  }
  // deskew=auto: a page that still reads badly may be tilted (straightening
  // every page would cost about 20 % on the sample: docs/performance.md,
  // "Orientation and deskew").
  if (options.deskew == Deskew::kAuto && pixels >= kMinPixelsToDetectTurn &&
      result.mean_confidence < kCheckTurnBelowConfidence) {
    Image straight = input.image.Clone();
    ASSIGN_OR_RETURN(const double skew, Straighten(&straight));
    if (skew != 0) {
      RecognizeControl straightened = control;
      straightened.page = input.facts;
      straightened.page.skew = skew;
      StatusOr<OcrResult> again =
          engine.Recognize(straight, options, straightened);
      const bool better = Better(again, result);
      if (better) {
        input.image = std::move(straight);
        input.facts = straightened.page;
        result = std::move(again).value();
      }
      engine_holds_it = better;
    }
  }
  // rescale=auto: words too small or too large to read well.
  const double factor =
      options.rescale ? RescaleFactor(result, input.image) : 1;
  const double scaled_pixels = static_cast<double>(input.image.width()) *
                               input.image.height() * factor * factor;
  if (factor != 1 &&
      scaled_pixels <= static_cast<double>(options_.limits.max_pixels)) {
    ASSIGN_OR_RETURN(Image scaled, Scale(input.image, factor));
    RecognizeControl at_scale = control;
    at_scale.page = input.facts;
    at_scale.page.scale = factor;
    StatusOr<OcrResult> again = engine.Recognize(scaled, options, at_scale);
    engine_holds_it = Better(again, result);
    if (engine_holds_it) {
      input.image = std::move(scaled);
      input.facts = at_scale.page;
      result = std::move(again).value();
    }
  }
  // A kept reading must be the one answered: read it again if the engine
  // now holds another.
  if (control.keep && !engine_holds_it) {
    control.page = input.facts;
    return engine.Recognize(input.image, options, control);
  }
  return result;
}

StatusOr<OcrResult> EngineSet::WritePdf(std::string_view file,
                                        const std::vector<int>& pages,
                                        const OcrOptions& options,
                                        const RecognizeControl& control) {
  // Every page is recognised: the PDF draws the recognised text over the
  // page's image, so a page's own text layer is not used. One engine writes
  // the document: with lang=auto, the one for the first page's script.
  OcrOptions read_options = options;
  read_options.text_layer = TextLayer::kIgnore;
  RecognizeControl keep = control;
  keep.keep = true;
  OcrEngine* engine = nullptr;
  std::unique_ptr<SearchablePdf> pdf;
  std::vector<OcrResult> stats;
  for (const int index : pages) {
    ASSIGN_OR_RETURN(PageInput input,
                     ReadPage(file, index, read_options, options_.limits));
    if (engine == nullptr) {
      ASSIGN_OR_RETURN(engine,
                       EngineFor(read_options, input.image, &input.facts));
      ASSIGN_OR_RETURN(pdf, engine->BeginPdf());
    }
    ASSIGN_OR_RETURN(OcrResult page,
                     Recognize(*engine, input, read_options, keep));
    RETURN_IF_ERROR(pdf->AddKeptPage());
    page.text.clear();
    stats.push_back(std::move(page));
  }
  if (pdf == nullptr) return InvalidArgumentError("no page to write");
  OcrResult document = SummarizePages(stats);
  ASSIGN_OR_RETURN(document.text, pdf->Finish());
  return document;
}

}  // namespace ocr
