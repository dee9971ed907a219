// One engine worker process as the server sees it: started with
// posix_spawn, talked to over a socket pair, watched for death and deadline,
// killed and reaped. Used by one slot thread of ProcessExecutor at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model_server/core/executor.h"

namespace ocr::worker {

struct WorkerLaunch {
  std::string binary;  // ocr-engine-worker
  // Its flags, but --fd, --parent-pid and --max-image-pixels.
  std::vector<std::string> args;
  std::chrono::milliseconds start_timeout{30000};
  // The worker's --max-image-pixels, which also bounds its answers
  // (MaxResultBytes).
  int64_t max_page_pixels = 100'000'000;
};

class WorkerProcess {
 public:
  // Starts a worker and waits until its engines are warm. The calling thread
  // must outlive the worker: the worker's parent-death signal fires when the
  // thread that started it ends.
  static StatusOr<std::unique_ptr<WorkerProcess>> Start(
      const WorkerLaunch& launch);
  // The two halves of Start, to warm several workers at once.
  static StatusOr<std::unique_ptr<WorkerProcess>> Launch(
      const WorkerLaunch& launch);
  Status WaitReady(std::chrono::milliseconds timeout);
  ~WorkerProcess();  // kills and reaps a worker still running

  // kMisbehaved: it answered something the protocol does not allow (a frame
  // larger than the unit can produce, of the wrong type, garbled); it is
  // still running and must be killed.
  enum class Outcome { kAnswered, kDied, kTimedOut, kMisbehaved };
  struct RunResult {
    Outcome outcome = Outcome::kDied;
    StatusOr<OcrResult> result = InternalError("no answer");
    std::string misbehaviour;  // kMisbehaved: what it sent
  };
  // Sends `unit` and waits for its answer until `kill_at`; a set cancel flag
  // is passed on to the worker. An answer over MaxResultBytes is refused
  // from its header, never read.
  RunResult Run(const WorkUnit& unit, Clock::time_point kill_at);

  // How a worker that died on its own ended ("killed by signal 11
  // (SIGSEGV)"); *external is true for a SIGKILL nobody here sent (an
  // operator or the kernel), which the input did not cause.
  std::string Reap(bool* external);
  // Kills the worker (SIGKILL) and reaps it.
  void Kill();
  // Closes the socket so an idle worker exits by itself; kills it if it
  // has not within a second.
  void Retire();

  pid_t pid() const { return pid_; }
  // From /proc: resident memory and CPU time used so far; 0 when unknown.
  int64_t RssBytes() const;
  double CpuSeconds() const;

 private:
  WorkerProcess(pid_t pid, int fd, int64_t max_page_pixels)
      : pid_(pid), fd_(fd), max_page_pixels_(max_page_pixels) {}
  // waitpid with a bound; SIGKILLs when the bound passes.
  int WaitExit(std::chrono::milliseconds patience);

  pid_t pid_;
  int fd_;
  int64_t max_page_pixels_;
  bool reaped_ = false;
};

}  // namespace ocr::worker
