// Admission and fair scheduling in front of an Executor: the Recognizer the
// inference core talks to.
//
// A request (one Submit) is admitted whole or refused: --max-queue bounds the
// requests waiting for their first unit to start, not their images, so a
// request with more images than the limit is still served. Units of
// different requests are interleaved, the request that has had the fewest
// units started going first (ties: the earliest), so a one-image request
// sent behind a 16-image one waits for at most one unit per slot.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model_server/core/executor.h"
#include "model_server/core/recognizer.h"

namespace ocr {

struct SchedulerOptions {
  int max_queue = 16;  // requests waiting, beyond those being recognised
};

class Scheduler : public Recognizer {
 public:
  Scheduler(SchedulerOptions options, std::unique_ptr<Executor> executor);
  ~Scheduler() override;

  Status Start() override;
  Status DoSubmit(std::vector<RecognitionTask> tasks,
                  Admission admission) override;
  void Stop() override;
  RecognizerStats Stats() const override;

 private:
  struct Request {
    std::deque<RecognitionTask> pending;
    int64_t served = 0;              // units handed to a slot so far
    bool counts_as_waiting = false;  // in waiting_requests_ until it starts
    uint64_t arrival = 0;
  };

  void RunSlot(int slot);
  // The next unit in fair order, or false when stopping and drained.
  bool Next(RecognitionTask* task);

  const SchedulerOptions options_;
  const std::unique_ptr<Executor> executor_;
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Request>> ready_;  // requests with pending units
  uint64_t arrivals_ = 0;
  int waiting_requests_ = 0;  // admitted, none started
  int units_waiting_ = 0;
  int busy_ = 0;
  uint64_t units_run_ = 0;  // and their cumulative queue and engine time
  uint64_t queue_ns_ = 0;
  uint64_t compute_ns_ = 0;
  bool accepting_ = false;
  bool stopping_ = false;
  bool executor_stopped_ = false;  // Stop() runs on one thread
};

}  // namespace ocr
