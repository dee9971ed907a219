// The engines of one slot (a thread of this process or a worker process):
// reads a page of the file (page_reader.h) under the limits and recognises
// it with the engine for its language, creating that engine on first use;
// counts a file's pages; writes a searchable PDF of a document's pages.
#pragma once

#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model_server/core/executor.h"
#include "model_server/core/image_decoder.h"
#include "model_server/core/ocr_engine.h"
#include "model_server/core/page_reader.h"

namespace ocr {

// rotate=auto looks for a turn only on images of at least this many pixels
// whose first reading's mean confidence is below the second constant.
inline constexpr int64_t kMinPixelsToDetectTurn = 100'000;
inline constexpr double kCheckTurnBelowConfidence = 70;

struct EngineSetOptions {
  std::vector<std::string> preload_languages = {"eng"};  // the first: default
  std::vector<std::string> installed_languages;          // for lang=auto
  int max_languages = 4;  // least recently used beyond this are dropped
  ImageLimits limits;
};

class EngineSet {
 public:
  EngineSet(EngineSetOptions options, EngineFactory factory);
  // Creates the preloaded engines.
  Status Warm();
  // Runs a unit of `kind` on `file`: page `page` (kPage), the page count
  // (kCountPages) or `pages` into one PDF (kSearchablePdf).
  StatusOr<OcrResult> Run(std::string_view file, UnitKind kind, int page,
                          const std::vector<int>& pages,
                          const OcrOptions& options,
                          const RecognizeControl& control);

 private:
  StatusOr<OcrEngine*> Get(const std::string& lang);
  // The engine for `options.lang`, or for lang=auto the language of the
  // page's script, which `facts` records; the orientation detection that
  // found the script is kept in `detected` (rotate=auto needs no second).
  StatusOr<OcrEngine*> EngineFor(const OcrOptions& options, const Image& page,
                                 PageFacts* facts,
                                 std::optional<Orientation>* detected);
  // Recognises a page read from its file, the right way up (rotate=auto;
  // `detected`: the page's orientation when already known); with
  // control.keep the engine keeps the reading returned.
  StatusOr<OcrResult> Recognize(OcrEngine& engine, PageInput& input,
                                const OcrOptions& options,
                                RecognizeControl control,
                                std::optional<Orientation> detected);
  StatusOr<OcrResult> WritePdf(std::string_view file,
                               const std::vector<int>& pages,
                               const OcrOptions& options,
                               const RecognizeControl& control);

  const EngineSetOptions options_;
  const EngineFactory factory_;
  // Most recently used first.
  std::list<std::pair<std::string, std::unique_ptr<OcrEngine>>> engines_;
};

}  // namespace ocr
