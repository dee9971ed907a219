// The seam between the inference core and whatever runs the engines. Today:
// EnginePool (threads in this process). Later: supervised worker processes,
// so that a Tesseract abort() costs one request instead of the server.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// One image to recognise.
struct RecognitionTask {
  std::string image;  // encoded bytes
  OcrOptions options;
  Clock::time_point deadline = Clock::time_point::max();
  CancelFlag cancelled;
  // Called exactly once, on a worker thread, with the result.
  std::function<void(StatusOr<OcrResult>)> done;
};

struct RecognizerStats {
  int engines_total = 0;
  int engines_busy = 0;
  int queue_depth = 0;  // images waiting for an engine
  int queue_capacity = 0;
};

class Recognizer {
 public:
  virtual ~Recognizer() = default;
  // Creates and warms every engine; returns when all are ready.
  virtual Status Start() = 0;
  // Queues all tasks or none: kUnavailable when the queue cannot take them
  // all, when not started or when stopping. On error no `done` is called.
  virtual Status Submit(std::vector<RecognitionTask> tasks) = 0;
  // Refuses new tasks; waits for queued and running ones to finish.
  virtual void Stop() = 0;
  virtual RecognizerStats Stats() const = 0;
};

}  // namespace ocr
