#include "model_server/worker/process_executor.h"

#include <algorithm>
#include <thread>

#include "common/logging.h"

namespace ocr::worker {

using std::chrono::milliseconds;

ProcessExecutor::ProcessExecutor(ProcessExecutorOptions options)
    : options_(std::move(options)) {
  for (int i = 0; i < std::max(options_.slots, 1); ++i) {
    slots_.push_back(std::make_unique<Slot>());
  }
  std::lock_guard lock(mu_);
  for (const char* reason : {"crash", "timeout", "recycled", "memory"}) {
    restarts_[reason] = 0;
  }
}

ProcessExecutor::~ProcessExecutor() { Stop(); }

Status ProcessExecutor::Start() {
  // Launched from this thread, which outlives them (see WorkerProcess), and
  // warmed in parallel (~100 ms each).
  std::vector<StatusOr<std::unique_ptr<WorkerProcess>>> launched;
  for (size_t i = 0; i < slots_.size(); ++i) {
    launched.push_back(WorkerProcess::Launch(options_.launch));
  }
  Status first_error;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Status s = launched[i].status();
    if (s.ok())
      s = launched[i].value()->WaitReady(options_.launch.start_timeout);
    if (!s.ok()) {
      if (first_error.ok()) first_error = s;
      continue;
    }
    Slot& slot = *slots_[i];
    slot.process = std::move(launched[i]).value();
    slot.rss = slot.process->RssBytes();
    slot.alive = true;
  }
  return first_error;
}

Status ProcessExecutor::Spawn(Slot& slot) {
  if (slot.failures > 1) {
    // 100 ms, 200 ms, ... up to max_backoff while workers keep dying.
    const auto delay = std::min<milliseconds>(
        milliseconds(100) * (1 << std::min(slot.failures - 2, 16)),
        options_.max_backoff);
    std::unique_lock lock(mu_);
    if (stop_cv_.wait_for(lock, delay, [this] { return stopping_; })) {
      return UnavailableError("server is shutting down");
    }
  }
  auto process = WorkerProcess::Start(options_.launch);
  if (!process.ok()) {
    ++slot.failures;
    LOG_ERROR("engine worker failed to start",
              {{"error", process.status().message()}});
    return process.status();
  }
  slot.process = std::move(process).value();
  slot.units = 0;
  slot.recycle.clear();
  slot.rss = slot.process->RssBytes();
  slot.alive = true;
  return OkStatus();
}

void ProcessExecutor::CountRestart(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++restarts_[reason];
}

StatusOr<OcrResult> ProcessExecutor::Run(int index, const WorkUnit& unit) {
  Slot& slot = *slots_[index];
  for (int attempt = 0;; ++attempt) {
    if (!slot.process) {
      if (Status s = Spawn(slot); !s.ok()) {
        return UnavailableError("no recognition engine is available: " +
                                s.message());
      }
    }
    const auto kill_at = unit.deadline == Clock::time_point::max()
                             ? Clock::time_point::max()
                             : unit.deadline + options_.kill_grace;
    WorkerProcess::RunResult r = slot.process->Run(unit, kill_at);
    if (r.outcome == WorkerProcess::Outcome::kAnswered) {
      slot.failures = 0;
      AfterAnswer(slot);
      return std::move(r.result);
    }
    const pid_t pid = slot.process->pid();
    slot.alive = false;
    ++slot.failures;
    if (r.outcome == WorkerProcess::Outcome::kMisbehaved) {
      // Not an answer an engine gives: the input took the worker over, or
      // broke it. It is not retried.
      slot.process->Kill();
      slot.process.reset();
      CountRestart("crash");
      LOG_WARNING("engine worker misbehaved and was killed",
                  {{"pid", pid}, {"answer", r.misbehaviour}});
      return EngineCrashError(
          "the recognition engine failed on this input: its worker process "
          "answered outside the protocol (" +
          r.misbehaviour + ") and was stopped");
    }
    if (r.outcome == WorkerProcess::Outcome::kTimedOut) {
      slot.process->Kill();
      slot.process.reset();
      CountRestart("timeout");
      LOG_WARNING("engine worker killed past the deadline", {{"pid", pid}});
      return EngineTimeoutError(
          "recognition ran past the request's deadline; its engine was "
          "stopped");
    }
    bool external = false;
    const std::string how = slot.process->Reap(&external);
    slot.process.reset();
    CountRestart("crash");
    LOG_WARNING("engine worker died", {{"pid", pid}, {"how", how}});
    // A SIGKILL from outside says nothing about the input: one more try on
    // a fresh worker. A crash of the worker's own making is the input's.
    if (external && attempt == 0) continue;
    return EngineCrashError(
        "the recognition engine failed on this input: its worker process " +
        how);
  }
}

void ProcessExecutor::AfterAnswer(Slot& slot) {
  ++slot.units;
  slot.rss = slot.process->RssBytes();
  if (options_.max_rss_bytes > 0 && slot.rss > options_.max_rss_bytes) {
    slot.recycle = "memory";
  } else if (options_.max_requests > 0 && slot.units >= options_.max_requests) {
    slot.recycle = "recycled";
  } else if (options_.max_cpu_seconds > 0 &&
             slot.process->CpuSeconds() > 0.8 * options_.max_cpu_seconds) {
    slot.recycle = "recycled";
  }
}

void ProcessExecutor::Maintain(int index) {
  Slot& slot = *slots_[index];
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  if (slot.process && !slot.recycle.empty()) {
    slot.alive = false;
    slot.process->Retire();
    slot.process.reset();
    CountRestart(slot.recycle);
  }
  if (!slot.process) Spawn(slot).ok();  // failures retry at the next unit
}

void ProcessExecutor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (auto& slot : slots_) {
    slot->alive = false;
    if (slot->process) slot->process->Retire();
    slot->process.reset();
  }
}

ExecutorStats ProcessExecutor::Stats() const {
  ExecutorStats stats;
  for (const auto& slot : slots_) {
    if (slot->alive) {
      ++stats.slots_alive;
      stats.worker_rss_bytes.push_back(slot->rss);
    } else {
      stats.worker_rss_bytes.push_back(0);
    }
  }
  std::lock_guard lock(mu_);
  stats.restarts = restarts_;
  return stats;
}

}  // namespace ocr::worker
