// Engines on threads of this process (--engine-isolation=thread): each slot
// owns its engines (one per language combination it has served, the
// preloaded ones created at Start). Fast, but a Tesseract abort() or a
// hostile image takes the whole server with it; ProcessExecutor is the
// default.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model_server/core/executor.h"
#include "model_server/core/image_decoder.h"
#include "model_server/core/ocr_engine.h"

namespace ocr {

// rotate=auto looks for a turn only on images of at least this many pixels
// whose first reading's mean confidence is below the second constant.
inline constexpr int64_t kMinPixelsToDetectTurn = 100'000;
inline constexpr double kCheckTurnBelowConfidence = 70;

struct EngineSetOptions {
  std::vector<std::string> preload_languages = {"eng"};
  int max_languages = 4;  // least recently used beyond this are dropped
  ImageLimits limits;
};

// The engines of one slot (a thread here, a worker process there): reads a
// page of the file (page_reader.h) under the limits and recognises it with
// the engine for its language, creating that engine on first use; or counts
// the file's pages.
class EngineSet {
 public:
  EngineSet(EngineSetOptions options, EngineFactory factory);
  // Creates the preloaded engines.
  Status Warm();
  StatusOr<OcrResult> Run(std::string_view file, UnitKind kind, int page,
                          const OcrOptions& options,
                          const RecognizeControl& control);

 private:
  StatusOr<OcrEngine*> Get(const std::string& lang);

  const EngineSetOptions options_;
  const EngineFactory factory_;
  // Most recently used first.
  std::list<std::pair<std::string, std::unique_ptr<OcrEngine>>> engines_;
};

class ThreadExecutor : public Executor {
 public:
  ThreadExecutor(int slots, EngineSetOptions options, EngineFactory factory);

  Status Start() override;
  int slots() const override { return static_cast<int>(sets_.size()); }
  StatusOr<OcrResult> Run(int slot, const WorkUnit& unit) override;
  void Stop() override {}
  ExecutorStats Stats() const override;

 private:
  std::vector<std::unique_ptr<EngineSet>> sets_;
};

}  // namespace ocr
