// Engines in supervised worker processes (--engine-isolation=process, the
// default): one ocr-engine-worker per slot. A worker that dies costs the one
// unit it held (500, or one retry on a fresh worker when something outside
// killed it); one that runs past the deadline plus a grace is killed (504);
// one that answers outside the protocol (more than its unit can produce,
// garbage) is killed (500, not retried).
// Either way a replacement starts at once, with a backoff while workers keep
// dying. Workers are recycled between units after --worker-max-requests
// units, or when their resident memory passes --worker-max-rss.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model_server/core/executor.h"
#include "model_server/worker/worker_process.h"

namespace ocr::worker {

struct ProcessExecutorOptions {
  int slots = 1;
  WorkerLaunch launch;
  int64_t max_requests = 0;    // recycle after this many units; 0: never
  int64_t max_rss_bytes = 0;   // recycle above this; 0: never
  double max_cpu_seconds = 0;  // the worker's RLIMIT_CPU; recycled at 80 %
  std::chrono::milliseconds kill_grace{2000};  // past the deadline
  std::chrono::milliseconds max_backoff{5000};
};

class ProcessExecutor : public Executor {
 public:
  explicit ProcessExecutor(ProcessExecutorOptions options);
  ~ProcessExecutor() override;

  Status Start() override;
  int slots() const override { return static_cast<int>(slots_.size()); }
  StatusOr<OcrResult> Run(int slot, const WorkUnit& unit) override;
  void Maintain(int slot) override;
  void Stop() override;
  ExecutorStats Stats() const override;

 private:
  struct Slot {
    std::unique_ptr<WorkerProcess> process;
    int64_t units = 0;    // served by the current process
    int failures = 0;     // deaths and kills since the last success
    std::string recycle;  // reason to replace it before the next unit
    std::atomic<int64_t> rss{0};
    std::atomic<bool> alive{false};
  };

  // Starts the slot's worker, after the backoff its failures call for.
  Status Spawn(Slot& slot);
  void CountRestart(const std::string& reason);
  void AfterAnswer(Slot& slot);

  const ProcessExecutorOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::map<std::string, int64_t> restarts_;
};

}  // namespace ocr::worker
