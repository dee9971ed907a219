#include "model_server/core/scheduler.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <optional>

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

// The pages a unit recognises: what admission counts. A page count is
// short and recognises none.
double PagesOf(const RecognitionTask& task) {
  switch (task.kind) {
    case UnitKind::kCountPages:
      return 0;
    case UnitKind::kSearchablePdf:
      return static_cast<double>(std::max<size_t>(1, task.pages.size()));
    case UnitKind::kPage:
      break;
  }
  return 1;
}

double SecondsOf(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
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
    running_.assign(static_cast<size_t>(executor_->slots()), Running{});
  }
  for (int i = 0; i < executor_->slots(); ++i) {
    threads_.emplace_back([this, i] { RunSlot(i); });
  }
  return OkStatus();
}

EngineLoad Scheduler::LoadLocked(Clock::time_point now) const {
  EngineLoad load;
  load.now = now;
  load.engines = std::max(1, executor_->slots());
  load.page_seconds = page_time_.seconds();
  for (const Running& r : running_) {
    if (!r.busy) continue;
    load.running_seconds +=
        std::max(0.0, r.pages * load.page_seconds - SecondsOf(now - r.started));
  }
  return load;
}

Scheduler::Queue Scheduler::QueueLocked() const {
  Queue queue;
  for (const auto& request : ready_) {
    if (request->counting) continue;
    QueuedWork work;
    work.deadline = request->deadline;
    work.arrival = request->arrival;
    work.started = request->started;
    for (const RecognitionTask& task : request->pending) {
      const double pages = PagesOf(task);
      work.pages += pages;
      work.longest_unit = std::max(work.longest_unit, pages);
    }
    const auto at = std::upper_bound(queue.work.begin(), queue.work.end(), work,
                                     RunsBefore);
    const auto i = at - queue.work.begin();
    queue.work.insert(at, work);
    queue.requests.insert(queue.requests.begin() + i, request.get());
  }
  return queue;
}

Status Scheduler::DoSubmit(std::vector<RecognitionTask> tasks,
                           Admission admission) {
  if (tasks.empty()) return OkStatus();
  const auto now = Clock::now();
  {
    std::lock_guard lock(mu_);
    if (!accepting_) {
      return UnavailableError(stopping_ ? "server is shutting down"
                                        : "engines are not ready yet");
    }
    auto request = std::make_unique<Request>();
    request->arrival = arrivals_++;
    request->counting = tasks.front().kind == UnitKind::kCountPages;
    QueuedWork candidate;
    candidate.arrival = request->arrival;
    for (const RecognitionTask& task : tasks) {
      request->deadline = std::min(request->deadline, task.deadline);
      // A document whose pages are not counted yet has at least one.
      const double pages = request->counting ? 1 : PagesOf(task);
      candidate.pages += pages;
      candidate.longest_unit = std::max(candidate.longest_unit, pages);
    }
    candidate.deadline = request->deadline;
    RETURN_IF_ERROR(CheckAdmission(QueueLocked().work, candidate,
                                   LoadLocked(now), options_.max_queue));
    // A continuation has had its first unit (counting pages) already: it
    // goes after requests that had none.
    request->served = admission == Admission::kNew ? 0 : 1;
    for (auto& task : tasks) {
      task.submitted = now;
      if (!request->counting) pages_waiting_ += PagesOf(task);
      request->pending.push_back(std::move(task));
    }
    units_waiting_ += static_cast<int>(request->pending.size());
    ready_.push_back(std::move(request));
  }
  if (tasks.size() == 1) {
    cv_.notify_one();
  } else {
    cv_.notify_all();
  }
  return OkStatus();
}

Status Scheduler::CheckRoom(Clock::time_point deadline) const {
  std::lock_guard lock(mu_);
  if (!accepting_) {
    return UnavailableError(stopping_ ? "server is shutting down"
                                      : "engines are not ready yet");
  }
  const auto now = Clock::now();
  QueuedWork one;
  one.deadline = deadline;
  one.arrival = arrivals_;
  one.pages = 1;
  one.longest_unit = 1;
  return CheckAdmission(QueueLocked().work, one, LoadLocked(now),
                        options_.max_queue);
}

Scheduler::Request* Scheduler::ChooseLocked(Clock::time_point now) const {
  // Page counts first, oldest first: they decide admission.
  Request* count = nullptr;
  for (const auto& request : ready_) {
    if (request->counting &&
        (count == nullptr || request->arrival < count->arrival)) {
      count = request.get();
    }
  }
  if (count != nullptr) return count;
  const Queue queue = QueueLocked();
  // A short request (no more pages waiting than there are engines) may
  // overtake: the one that has had the fewest units started (ties: the
  // earliest), so one image behind a long document waits for at most a page
  // per engine. Documents do not overtake one another: they would all
  // interleave and finish late together.
  const EngineLoad load = LoadLocked(now);
  std::optional<size_t> fewest;
  for (size_t i = 1; i < queue.requests.size(); ++i) {
    if (queue.work[i].pages > load.engines) continue;
    const Request& r = *queue.requests[i];
    if (!fewest || r.served < queue.requests[*fewest]->served ||
        (r.served == queue.requests[*fewest]->served &&
         r.arrival < queue.requests[*fewest]->arrival)) {
      fewest = i;
    }
  }
  if (!fewest ||
      queue.requests.front()->served <= queue.requests[*fewest]->served) {
    return queue.requests.front();
  }
  // Only when every request it overtakes still makes its deadline, with
  // the admission's headroom, after waiting for its unit.
  const std::vector<double> finish = EstimateFinish(queue.work, load);
  const double unit =
      PagesOf(queue.requests[*fewest]->pending.front()) * load.page_seconds;
  for (size_t i = 0; i < *fewest; ++i) {
    if ((finish[i] + unit) * kHeadroom >
        SecondsLeft(queue.work[i].deadline, now)) {
      return queue.requests.front();
    }
  }
  return queue.requests[*fewest];
}

bool Scheduler::Next(int slot, RecognitionTask* task) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
  if (ready_.empty()) return false;  // stopping and drained
  const auto now = Clock::now();
  Request* request = ChooseLocked(now);
  *task = std::move(request->pending.front());
  request->pending.pop_front();
  const double pages = PagesOf(*task);
  --units_waiting_;
  if (!request->counting) {
    pages_waiting_ = std::max(0.0, pages_waiting_ - pages);
    request->started = true;
  }
  ++request->served;
  if (request->pending.empty()) {
    std::erase_if(ready_, [request](const std::unique_ptr<Request>& r) {
      return r.get() == request;
    });
  }
  running_[static_cast<size_t>(slot)] = Running{true, now, pages};
  ++busy_;
  return true;
}

void Scheduler::DropLocked(Request* request, const Status& why,
                           std::vector<Dropped>* dropped) {
  for (auto& task : request->pending) {
    if (!request->counting) {
      pages_waiting_ = std::max(0.0, pages_waiting_ - PagesOf(task));
    }
    dropped->push_back({std::move(task), why});
  }
  units_waiting_ -= static_cast<int>(request->pending.size());
  std::erase_if(ready_, [request](const std::unique_ptr<Request>& r) {
    return r.get() == request;
  });
}

std::vector<Scheduler::Dropped> Scheduler::ShedLocked(Clock::time_point now) {
  std::vector<Dropped> dropped;
  // Requests that ended (deadline, client gone) give their files back now
  // rather than when a slot would have skipped their units.
  std::vector<Request*> ended;
  for (const auto& request : ready_) {
    const CancelFlag& cancelled = request->pending.front().cancelled;
    if (cancelled && cancelled->load()) ended.push_back(request.get());
  }
  for (Request* request : ended) {
    DropLocked(request,
               DeadlineExceededError("the request ended while waiting"),
               &dropped);
  }
  const Queue queue = QueueLocked();
  const EngineLoad load = LoadLocked(now);
  for (size_t i : Unreachable(queue.work, load)) {
    const std::string why =
        "the engines are slower than when this request was admitted: its " +
        std::to_string(std::lround(queue.work[i].pages)) +
        " waiting pages cannot be done before its deadline";
    // Refused when nothing of it ran; else it would only come too late.
    ++shed_;
    DropLocked(queue.requests[i],
               queue.work[i].started
                   ? DeadlineExceededError(why)
                   : UnavailableError(QueueFullMessage(
                         queue.work, queue.work[i], load, why)),
               &dropped);
  }
  return dropped;
}

void Scheduler::RunSlot(int slot) {
  RecognitionTask task;
  while (Next(slot, &task)) {
    const auto started = Clock::now();
    const bool skip = (task.cancelled && task.cancelled->load()) ||
                      Clock::now() >= task.deadline;
    StatusOr<OcrResult> result =
        skip ? StatusOr<OcrResult>(DeadlineExceededError(
                   "deadline passed while waiting for an engine"))
             : RunGuarded(*executor_, slot, task);
    std::vector<Dropped> dropped;
    {
      std::lock_guard lock(mu_);
      const auto now = Clock::now();
      --busy_;
      running_[static_cast<size_t>(slot)].busy = false;
      ++units_run_;
      queue_ns_ += Nanos(started - task.submitted);
      compute_ns_ += Nanos(now - started);
      if (!skip && result.ok()) {
        page_time_.Record(SecondsOf(now - started), PagesOf(task));
      }
      dropped = ShedLocked(now);
    }
    Complete(task, std::move(result));
    task = RecognitionTask();
    for (Dropped& d : dropped) Complete(d.task, std::move(d.why));
    dropped.clear();
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
    stats.queue_depth = static_cast<int>(std::lround(pages_waiting_));
    stats.units_waiting = units_waiting_;
    stats.queue_capacity = options_.max_queue;
    stats.units_run = units_run_;
    stats.queue_ns = queue_ns_;
    stats.compute_ns = compute_ns_;
    stats.page_seconds = page_time_.seconds();
    stats.requests_shed = shed_;
  }
  stats.engines_total = executor_->slots();
  ExecutorStats executor = executor_->Stats();
  stats.engines_alive = executor.slots_alive;
  stats.worker_restarts = std::move(executor.restarts);
  stats.worker_rss_bytes = std::move(executor.worker_rss_bytes);
  return stats;
}

}  // namespace ocr
