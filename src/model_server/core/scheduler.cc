#include "model_server/core/scheduler.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <new>

#include "common/logging.h"

namespace ocr {
namespace {

// Nothing thrown by an executor or a completion may end the slot's thread
// (and with it the process): it becomes the unit's error.
StatusOr<OcrResult> RunGuarded(Executor& executor, int slot,
                               const RecognitionTask& task) {
  try {
    WorkUnit unit{
        task.file->bytes(), task.options, task.deadline, task.cancelled.get(),
        task.kind,          task.page,    task.pages};
    return executor.Run(slot, unit);
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory while recognising this image");
  } catch (const std::exception& e) {
    return InternalError(std::string("recognition failed: ") + e.what());
  } catch (...) {
    return InternalError("recognition failed");
  }
}

void Complete(RecognitionTask& task, StatusOr<OcrResult> result) {
  try {
    task.done(std::move(result));
  } catch (const std::exception& e) {
    LOG_ERROR("a completion threw", {{"error", e.what()}});
  } catch (...) {
    LOG_ERROR("a completion threw", {});
  }
}

uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(
      std::max<int64_t>(0, std::chrono::nanoseconds(d).count()));
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options,
                     std::unique_ptr<Executor> executor)
    : options_(options), executor_(std::move(executor)) {}

Scheduler::~Scheduler() { Stop(); }

Status Scheduler::Start() {
  RETURN_IF_ERROR(executor_->Start());
  {
    std::lock_guard lock(mu_);
    accepting_ = !stopping_;
  }
  for (int i = 0; i < executor_->slots(); ++i) {
    threads_.emplace_back([this, i] { RunSlot(i); });
  }
  return OkStatus();
}

Status Scheduler::DoSubmit(std::vector<RecognitionTask> tasks,
                           Admission admission) {
  if (tasks.empty()) return OkStatus();
  const bool fresh = admission == Admission::kNew;
  {
    std::lock_guard lock(mu_);
    if (!accepting_) {
      return UnavailableError(stopping_ ? "server is shutting down"
                                        : "engines are not ready yet");
    }
    if (fresh && waiting_requests_ >= options_.max_queue) {
      return UnavailableError(
          "server is busy: " + std::to_string(waiting_requests_) +
          " request(s) are waiting for an engine (limit " +
          std::to_string(options_.max_queue) + "); retry later");
    }
    auto request = std::make_unique<Request>();
    request->arrival = arrivals_++;
    // A continuation has had its first unit (counting pages) already: it
    // waits for no admission and goes after requests that had none.
    request->served = fresh ? 0 : 1;
    request->counts_as_waiting = fresh;
    const auto now = Clock::now();
    for (auto& task : tasks) {
      task.submitted = now;
      request->pending.push_back(std::move(task));
    }
    units_waiting_ += static_cast<int>(request->pending.size());
    if (fresh) ++waiting_requests_;
    ready_.push_back(std::move(request));
  }
  if (tasks.size() == 1) {
    cv_.notify_one();
  } else {
    cv_.notify_all();
  }
  return OkStatus();
}

bool Scheduler::Next(RecognitionTask* task) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
  if (ready_.empty()) return false;  // stopping and drained
  // Least attained service: the request with the fewest units started.
  auto pick = ready_.begin();
  for (auto it = ready_.begin(); it != ready_.end(); ++it) {
    if ((*it)->served < (*pick)->served ||
        ((*it)->served == (*pick)->served &&
         (*it)->arrival < (*pick)->arrival)) {
      pick = it;
    }
  }
  Request& request = **pick;
  *task = std::move(request.pending.front());
  request.pending.pop_front();
  --units_waiting_;
  if (request.counts_as_waiting) {
    request.counts_as_waiting = false;
    --waiting_requests_;
  }
  ++request.served;
  if (request.pending.empty()) ready_.erase(pick);
  ++busy_;
  return true;
}

void Scheduler::RunSlot(int slot) {
  RecognitionTask task;
  while (Next(&task)) {
    const auto started = Clock::now();
    StatusOr<OcrResult> result =
        (task.cancelled && task.cancelled->load()) ||
                Clock::now() >= task.deadline
            ? StatusOr<OcrResult>(DeadlineExceededError(
                  "deadline passed while waiting for an engine"))
            : RunGuarded(*executor_, slot, task);
    {
      std::lock_guard lock(mu_);
      --busy_;
      ++units_run_;
      queue_ns_ += Nanos(started - task.submitted);
      compute_ns_ += Nanos(Clock::now() - started);
    }
    Complete(task, std::move(result));
    task = RecognitionTask();
    executor_->Maintain(slot);
  }
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  if (!executor_stopped_) {
    executor_stopped_ = true;
    executor_->Stop();
  }
}

RecognizerStats Scheduler::Stats() const {
  RecognizerStats stats;
  {
    std::lock_guard lock(mu_);
    stats.engines_busy = busy_;
    stats.queue_depth = waiting_requests_;
    stats.units_waiting = units_waiting_;
    stats.queue_capacity = options_.max_queue;
    stats.units_run = units_run_;
    stats.queue_ns = queue_ns_;
    stats.compute_ns = compute_ns_;
  }
  stats.engines_total = executor_->slots();
  ExecutorStats executor = executor_->Stats();
  stats.engines_alive = executor.slots_alive;
  stats.worker_restarts = std::move(executor.restarts);
  stats.worker_rss_bytes = std::move(executor.worker_rss_bytes);
  return stats;
}

}  // namespace ocr
