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
  std::string binary;             // ocr-engine-worker
  std::vector<std::string> args;  // its flags, but --fd and --parent-pid
  std::chrono::milliseconds start_timeout{30000};
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

  enum class Outcome { kAnswered, kDied, kTimedOut };
  struct RunResult {
    Outcome outcome = Outcome::kDied;
    StatusOr<OcrResult> result = InternalError("no answer");
  };
  // Sends `unit` and waits for its answer until `kill_at`; a set cancel flag
  // is passed on to the worker.
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
  WorkerProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  // waitpid with a bound; SIGKILLs when the bound passes.
  int WaitExit(std::chrono::milliseconds patience);

  pid_t pid_;
  int fd_;
  bool reaped_ = false;
};

}  // namespace ocr::worker
