// Triton's per-model statistics (GET /v2/models/{model}/stats): cumulative
// counts and times of the requests a model served, kept by the inference
// core for every protocol. Thread-safe, lock-free.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "model_server/core/recognizer.h"

namespace ocr {

// A count of events and their cumulative duration in nanoseconds.
struct StatDuration {
  uint64_t count = 0;
  uint64_t ns = 0;
};

struct ModelStatsSnapshot {
  int64_t last_inference_ms = 0;  // Unix time of the last success; 0: never
  uint64_t inference_count = 0;   // inputs (images, documents) answered
  uint64_t execution_count = 0;   // units of work the engines ran
  StatDuration success;           // whole requests, received to answered
  StatDuration fail;
  StatDuration queue;           // units waiting for an engine
  StatDuration compute_input;   // decoding requests
  StatDuration compute_infer;   // engine time of units
  StatDuration compute_output;  // encoding answers
  StatDuration cache_hit;       // units answered from the result cache
  StatDuration cache_miss;
};

class ModelStats {
 public:
  using Duration = std::chrono::nanoseconds;
  void RecordDecode(Duration d) { Add(compute_input_, d); }
  void RecordSuccess(uint64_t inputs, Duration total, Duration encode);
  void RecordFailure(Duration total) { Add(fail_, total); }
  // Engine-side figures come from the recognizer's counters.
  ModelStatsSnapshot Snapshot(const RecognizerStats& recognizer) const;

 private:
  struct Counter {
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> ns{0};
  };
  // A negative duration (a clock step) counts as 0.
  static Duration d_or(Duration d) { return d.count() < 0 ? Duration{} : d; }
  static void Add(Counter& c, Duration d);
  static StatDuration Read(const Counter& c);

  Counter success_, fail_, compute_input_, compute_output_;
  std::atomic<uint64_t> inferences_{0};
  std::atomic<int64_t> last_inference_ms_{0};
};

}  // namespace ocr
