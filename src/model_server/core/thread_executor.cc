#include "model_server/core/thread_executor.h"

#include <algorithm>
#include <thread>

#include "model_server/core/page_reader.h"

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

Status EngineSet::Warm() {
  for (const auto& lang : options_.preload_languages) {
    RETURN_IF_ERROR(Get(lang).status());
  }
  return OkStatus();
}

StatusOr<OcrResult> EngineSet::Run(std::string_view file, UnitKind kind,
                                   int page, const OcrOptions& options,
                                   const RecognizeControl& control) {
  if (kind == UnitKind::kCountPages) {
    OcrResult counted;
    ASSIGN_OR_RETURN(counted.pages, CountPages(file));
    return counted;
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
  StatusOr<OcrEngine*> engine = Get(options.lang);
  if (!engine.ok()) return engine.status();
  if (options.deskew) {
    ASSIGN_OR_RETURN(input.facts.skew, Straighten(&input.image));
  }
  RecognizeControl page_control = control;
  page_control.page = input.facts;
  ASSIGN_OR_RETURN(OcrResult result,
                   (*engine)->Recognize(input.image, options, page_control));
  // rotate=auto: an upright page reads with a high mean confidence and is
  // answered as it is; only a page that reads badly, and is large enough
  // to hold text to go by, is asked for its orientation (which costs about
  // as much as recognising it), and the turned page's reading is kept when
  // it is better (docs/performance.md, "Orientation").
  const int64_t pixels =
      static_cast<int64_t>(input.image.width()) * input.image.height();
  if (options.rotate == Rotate::kAuto && pixels >= kMinPixelsToDetectTurn &&
      result.mean_confidence < kCheckTurnBelowConfidence) {
    ASSIGN_OR_RETURN(const int turned, (*engine)->DetectTurn(input.image));
    if (turned != 0) {
      ASSIGN_OR_RETURN(Image upright, TurnClockwise(input.image, 360 - turned));
      page_control.page.rotation = (input.facts.rotation + 360 - turned) % 360;
      StatusOr<OcrResult> again =
          (*engine)->Recognize(upright, options, page_control);
      if (again.ok() && again->mean_confidence > result.mean_confidence) {
        result = std::move(again).value();
      }
    }
  }
  return result;
}

ThreadExecutor::ThreadExecutor(int slots, EngineSetOptions options,
                               EngineFactory factory) {
  // Every set exists before any thread touches the vector.
  for (int i = 0; i < std::max(slots, 1); ++i) {
    sets_.push_back(std::make_unique<EngineSet>(options, factory));
  }
}

Status ThreadExecutor::Start() {
  // Warm the engines in parallel: Init costs ~100 ms each.
  std::vector<Status> init(sets_.size());
  std::vector<std::thread> starters;
  for (size_t i = 0; i < sets_.size(); ++i) {
    starters.emplace_back(
        [set = sets_[i].get(), status = &init[i]] { *status = set->Warm(); });
  }
  for (auto& t : starters) t.join();
  for (const Status& s : init) RETURN_IF_ERROR(s);
  return OkStatus();
}

StatusOr<OcrResult> ThreadExecutor::Run(int slot, const WorkUnit& unit) {
  RecognizeControl control;
  control.deadline = unit.deadline;
  control.cancelled = unit.cancelled;
  return sets_[slot]->Run(*unit.image, unit.kind, unit.page, unit.options,
                          control);
}

ExecutorStats ThreadExecutor::Stats() const {
  ExecutorStats stats;
  stats.slots_alive = slots();
  return stats;
}

}  // namespace ocr
