// Admission and scheduling in front of an Executor: the Recognizer the
// inference core talks to.
//
// Admission counts pages, not requests (admission.h): a request is admitted
// whole or refused, when its pages would pass --max-queue pages waiting or
// could not be done before its deadline given the work admitted ahead of
// it, from an average of the engine time a page has been taking. A
// document's pages are known once its page count ran (a unit of its own,
// run before any page); its request is checked again then, and refused if
// they do not fit. When the engines turn out slower than estimated, an
// admitted request that can no longer be done in time is dropped (shed)
// rather than left to take engines for an answer that would come too late:
// refused (503) when none of its pages had started, else ended (504). A
// request that ended (deadline, client gone) leaves the queue at once.
//
// Order: page counts first (they are short and decide admission); then
// earliest deadline first, so admitted requests complete instead of all
// interleaving; but a short request (at most one page per engine waiting)
// that has had fewer units started goes first whenever every request it
// would overtake still makes its deadline, so a one-image request sent
// behind a 16-page document waits for at most one unit per slot unless
// deadlines are tight.
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
    bool started = false;   // a page went to an engine: shed with 504
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
  // A task taken out of the queue, to be failed with `why` (outside mu_).
  struct Dropped {
    RecognitionTask task;
    Status why;
  };
  // Removes the requests that ended (cancelled) and those that have not
  // started and can no longer be done in time (shed).
  std::vector<Dropped> ShedLocked(Clock::time_point now);
  void DropLocked(Request* request, const Status& why,
                  std::vector<Dropped>* dropped);

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
  uint64_t shed_ = 0;  // requests dropped after admission
  bool accepting_ = false;
  bool stopping_ = false;
  bool executor_stopped_ = false;  // Stop() runs on one thread
};

}  // namespace ocr
