// Engines on threads of this process (--engine-isolation=thread): each slot
// owns its engines (one per language combination it has served, the
// preloaded ones created at Start). Fast, but a Tesseract abort() or a
// hostile image takes the whole server with it; ProcessExecutor is the
// default.
#pragma once

#include <memory>
#include <vector>

#include "model_server/core/engine_set.h"
#include "model_server/core/executor.h"

namespace ocr {

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
