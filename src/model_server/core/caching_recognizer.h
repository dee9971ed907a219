// A Recognizer that answers repeated images from a ResultCache and hands the
// others to the Recognizer it wraps (the Scheduler), storing their results.
// Keeps the Recognizer contract: all tasks or none.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model_server/core/recognizer.h"
#include "model_server/core/result_cache.h"

namespace ocr {

class CachingRecognizer : public Recognizer {
 public:
  // `capacity_bytes`: the cache's budget (see ResultCache).
  CachingRecognizer(std::unique_ptr<Recognizer> inner, int64_t capacity_bytes);
  ~CachingRecognizer() override;

  Status Start() override;
  // Tasks whose result is cached are answered from the cache; the others go
  // to the inner recognizer in one Submit, and their successful results are
  // stored before their `done` runs. If that Submit fails its error is
  // returned and no `done` is called, not even for the cached ones; otherwise
  // the cached ones' `done` run on this thread before Submit returns.
  Status DoSubmit(std::vector<RecognitionTask> tasks,
                  Admission admission) override;
  Status CheckRoom(Clock::time_point deadline) const override {
    return inner_->CheckRoom(deadline);
  }
  void Stop() override;
  // The inner recognizer's stats plus the cache's.
  RecognizerStats Stats() const override;

 private:
  // Shared with the wrapped `done` callbacks, which may outlive this object
  // if the inner recognizer lets them.
  const std::shared_ptr<ResultCache> cache_;
  const std::unique_ptr<Recognizer> inner_;
};

}  // namespace ocr
