#include "model_server/core/thread_executor.h"

#include <algorithm>
#include <thread>

namespace ocr {

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
  return sets_[slot]->Run(unit.image, unit.kind, unit.page, unit.pages,
                          unit.options, control);
}

ExecutorStats ThreadExecutor::Stats() const {
  ExecutorStats stats;
  stats.slots_alive = slots();
  return stats;
}

}  // namespace ocr
