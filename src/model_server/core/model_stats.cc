#include "model_server/core/model_stats.h"

namespace ocr {

void ModelStats::Add(Counter& c, Duration d) {
  c.count.fetch_add(1, std::memory_order_relaxed);
  c.ns.fetch_add(static_cast<uint64_t>(d_or(d).count()),
                 std::memory_order_relaxed);
}

StatDuration ModelStats::Read(const Counter& c) {
  return {c.count.load(std::memory_order_relaxed),
          c.ns.load(std::memory_order_relaxed)};
}

void ModelStats::RecordSuccess(uint64_t inputs, Duration total,
                               Duration encode) {
  Add(success_, total);
  Add(compute_output_, encode);
  inferences_.fetch_add(inputs, std::memory_order_relaxed);
  last_inference_ms_.store(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count(),
      std::memory_order_relaxed);
}

ModelStatsSnapshot ModelStats::Snapshot(
    const RecognizerStats& recognizer) const {
  ModelStatsSnapshot s;
  s.last_inference_ms = last_inference_ms_.load(std::memory_order_relaxed);
  s.inference_count = inferences_.load(std::memory_order_relaxed);
  s.execution_count = recognizer.units_run;
  s.success = Read(success_);
  s.fail = Read(fail_);
  s.queue = {recognizer.units_run, recognizer.queue_ns};
  s.compute_input = Read(compute_input_);
  s.compute_infer = {recognizer.units_run, recognizer.compute_ns};
  s.compute_output = Read(compute_output_);
  s.cache_hit = {static_cast<uint64_t>(recognizer.cache_hits), 0};
  s.cache_miss = {static_cast<uint64_t>(recognizer.cache_misses), 0};
  return s;
}

}  // namespace ocr
