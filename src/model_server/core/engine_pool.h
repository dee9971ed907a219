// A Recognizer running N warm engines on N worker threads in this process,
// fed by one bounded FIFO queue. Each worker owns its engines (one per
// language combination it has served, the preloaded ones created at Start).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model_server/core/image_decoder.h"
#include "model_server/core/ocr_engine.h"
#include "model_server/core/recognizer.h"

namespace ocr {

struct EnginePoolOptions {
  int engines = 1;
  int max_queue = 64;  // images waiting, beyond those being recognised
  std::vector<std::string> preload_languages = {"eng"};
  int max_languages_per_engine = 4;  // least recently used beyond this go
  ImageLimits limits;
};

class EnginePool : public Recognizer {
 public:
  EnginePool(EnginePoolOptions options, EngineFactory factory);
  ~EnginePool() override;

  Status Start() override;
  Status Submit(std::vector<RecognitionTask> tasks) override;
  void Stop() override;
  RecognizerStats Stats() const override;

 private:
  struct Worker;
  void RunWorker(Worker* worker);
  StatusOr<OcrResult> Process(Worker* worker, const RecognitionTask& task);

  const EnginePoolOptions options_;
  const EngineFactory factory_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecognitionTask> queue_;
  int busy_ = 0;
  bool accepting_ = false;
  bool stopping_ = false;
};

}  // namespace ocr
