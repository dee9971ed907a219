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

StatusOr<OcrEngine*> EngineSet::EngineFor(
    const OcrOptions& options, const Image& page, PageFacts* facts,
    std::optional<Orientation>* detected) {
  if (options.lang != kAutoLanguage) return Get(options.lang);
  const std::string fallback = options_.preload_languages.empty()
                                   ? std::string("eng")
                                   : options_.preload_languages.front();
  ASSIGN_OR_RETURN(OcrEngine * detector, Get(fallback));
  ASSIGN_OR_RETURN(*detected, detector->DetectOrientation(page));
  facts->lang = LanguageForScript((*detected)->script,
                                  options_.installed_languages, fallback);
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
  std::optional<Orientation> detected;
  ASSIGN_OR_RETURN(OcrEngine * engine,
                   EngineFor(options, input.image, &input.facts, &detected));
  return Recognize(*engine, input, options, control, detected);
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
                                         RecognizeControl control,
                                         std::optional<Orientation> detected) {
  if (options.deskew == Deskew::kAlways) {
    ASSIGN_OR_RETURN(input.facts.skew, Straighten(&input.image));
  }
  control.page = input.facts;
  ASSIGN_OR_RETURN(OcrResult result,
                   engine.Recognize(input.image, options, control));
  bool engine_holds_it = true;  // the engine keeps the last reading only
  // Reads `candidate` (the page as `facts` describe it) and answers that
  // reading instead when it is better.
  auto read_again = [&](Image candidate, const PageFacts& facts) {
    RecognizeControl again_control = control;
    again_control.page = facts;
    StatusOr<OcrResult> again =
        engine.Recognize(candidate, options, again_control);
    engine_holds_it = Better(again, result);
    if (engine_holds_it) {
      input.image = std::move(candidate);
      input.facts = facts;
      result = std::move(again).value();
    }
  };
  // Only a page that reads badly, and is large enough to hold text to go
  // by, is worth detecting its orientation or skew (each costs about as
  // much as a reading).
  const int64_t pixels =
      static_cast<int64_t>(input.image.width()) * input.image.height();
  auto reads_badly = [&] {
    return pixels >= kMinPixelsToDetectTurn &&
           result.mean_confidence < kCheckTurnBelowConfidence;
  };
  // rotate=auto: an upright page reads with a high mean confidence and is
  // answered as it is; a turned page's reading is kept when it is better
  // (docs/performance.md, "Orientation").
  if (options.rotate == Rotate::kAuto && reads_badly()) {
    if (!detected) {
      ASSIGN_OR_RETURN(detected, engine.DetectOrientation(input.image));
    }
    const Orientation& found = *detected;
    if (found.turn != 0) {
      ASSIGN_OR_RETURN(Image upright,
                       TurnClockwise(input.image, 360 - found.turn));
      PageFacts turned = input.facts;
      turned.rotation = (input.facts.rotation + 360 - found.turn) % 360;
      read_again(std::move(upright), turned);
    }
  }
  // deskew=auto: a page that still reads badly may be tilted (straightening
  // every page would cost about 20 % on the sample: docs/performance.md,
  // "Orientation and deskew").
  if (options.deskew == Deskew::kAuto && reads_badly()) {
    Image straight = input.image.Clone();
    ASSIGN_OR_RETURN(const double skew, Straighten(&straight));
    if (skew != 0) {
      PageFacts straightened = input.facts;
      straightened.skew = skew;
      read_again(std::move(straight), straightened);
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
    PageFacts at_scale = input.facts;
    at_scale.scale = factor;
    read_again(std::move(scaled), at_scale);
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
    std::optional<Orientation> detected;
    if (engine == nullptr) {
      ASSIGN_OR_RETURN(engine, EngineFor(read_options, input.image,
                                         &input.facts, &detected));
      ASSIGN_OR_RETURN(pdf, engine->BeginPdf());
    }
    ASSIGN_OR_RETURN(OcrResult page,
                     Recognize(*engine, input, read_options, keep, detected));
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
