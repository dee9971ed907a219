// Admission and scheduling in front of an Executor: the Recognizer the
// inference core talks to.
//
// Admission counts pages, not requests (admission.h): a request is admitted
// whole or refused, when its pages would pass --max-queue pages waiting or
// could not be done before its deadline given the work admitted ahead of
// it, from an average of the engine time a page has been taking. A
// document's pages are known once its page count ran (a unit of its own,
// run before any page); its request is checked again then, and refused if
// they do not fit. An admitted request that has not started when the
// engines turn out slower than estimated is refused then (shed), before it
// takes an engine, rather than left to miss its deadline.
//
// Order: page counts first (they are short and decide admission); then
// earliest deadline first, so admitted requests complete instead of all
// interleaving; but the request that has had the fewest units started goes
// first (ties: the earliest) whenever every request it would overtake keeps
// at least one page time of slack, so a one-image request sent behind a
// 16-page document waits for at most one unit per slot unless deadlines
// are tight.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model_server/core/admission.h"
#include "model_server/core/executor.h"
#include "model_server/core/recognizer.h"

namespace ocr {

struct SchedulerOptions {
  int max_queue = 64;  // pages waiting, beyond those being recognised
};

class Scheduler : public Recognizer {
 public:
  Scheduler(SchedulerOptions options, std::unique_ptr<Executor> executor);
  ~Scheduler() override;

  Status Start() override;
  Status DoSubmit(std::vector<RecognitionTask> tasks,
                  Admission admission) override;
  Status CheckRoom(Clock::time_point deadline) const override;
  void Stop() override;
  RecognizerStats Stats() const override;

 private:
  struct Request {
    std::deque<RecognitionTask> pending;
    int64_t served = 0;  // units handed to a slot so far
    uint64_t arrival = 0;
    Clock::time_point deadline = Clock::time_point::max();
    bool counting = false;  // its units count pages: they go first
    bool started = false;   // a page went to an engine: never shed
  };
  struct Running {
    bool busy = false;
    Clock::time_point started;
    double pages = 0;
  };
  // The requests with pages waiting, in RunsBefore order, and their work.
  struct Queue {
    std::vector<Request*> requests;
    std::vector<QueuedWork> work;
  };

  void RunSlot(int slot);
  // The next unit for `slot`, or false when stopping and drained.
  bool Next(int slot, RecognitionTask* task);
  // The request whose unit runs next (ready_ is not empty).
  Request* ChooseLocked(Clock::time_point now) const;
  Queue QueueLocked() const;
  EngineLoad LoadLocked(Clock::time_point now) const;
  // Removes the requests that have not started and can no longer finish in
  // time; their tasks are to be failed with the returned status.
  std::vector<RecognitionTask> ShedLocked(Clock::time_point now, Status* why);

  const SchedulerOptions options_;
  const std::unique_ptr<Executor> executor_;
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Request>> ready_;  // requests with pending units
  std::vector<Running> running_;                 // per slot
  PageTime page_time_;
  uint64_t arrivals_ = 0;
  double pages_waiting_ = 0;  // of admitted requests, not yet on an engine
  int units_waiting_ = 0;
  int busy_ = 0;
  uint64_t units_run_ = 0;  // and their cumulative queue and engine time
  uint64_t queue_ns_ = 0;
  uint64_t compute_ns_ = 0;
  uint64_t shed_ = 0;  // requests refused after admission
  bool accepting_ = false;
  bool stopping_ = false;
  bool executor_stopped_ = false;  // Stop() runs on one thread
};

}  // namespace ocr
