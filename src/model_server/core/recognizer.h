// The seam between the inference core and whatever runs the engines: a
// Scheduler (admission, fair order) over an Executor (worker processes or
// threads), optionally wrapped in a CachingRecognizer (--result-cache-mb).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "model_server/core/executor.h"
#include "model_server/core/types.h"

namespace ocr {

// One unit of work of a request: a page to recognise, or a document whose
// pages to count.
struct RecognitionTask {
  FileRef file;  // the input file, shared by the units made from it
  UnitKind kind = UnitKind::kPage;
  int page = 0;            // 0-based
  std::vector<int> pages;  // kSearchablePdf: 0-based, ascending
  OcrOptions options;
  Clock::time_point deadline = Clock::time_point::max();
  CancelFlag cancelled;
  Clock::time_point submitted;  // set by the scheduler when admitted
  // Called exactly once with the result: on a worker thread, or for a cached
  // result on the thread calling Submit, once the other tasks are queued.
  std::function<void(StatusOr<OcrResult>)> done;
};

// Which step of a request Submit admits. Both are refused when their pages
// would pass --max-queue or not be done before their deadline (scheduler.h).
enum class Admission {
  kNew,           // a new request (its images, or its documents to count)
  kContinuation,  // the pages of the documents a request counted: they go
                  // after requests that had no unit yet
};

struct RecognizerStats {
  int engines_total = 0;
  int engines_busy = 0;
  int engines_alive = 0;   // able to take work (their worker process lives)
  int queue_depth = 0;     // pages of admitted requests waiting for one
  int queue_capacity = 0;  // --max-queue (pages)
  int units_waiting = 0;   // units (pages, page counts) waiting
  // The engine seconds a page has been taking (a moving average; 0 before
  // the first), and the admitted requests dropped later because the
  // engines turned out too slow for their deadline.
  double page_seconds = 0;
  uint64_t requests_shed = 0;
  // Units run by the engines, the time they waited for one and the engine
  // time they took, cumulative (nanoseconds).
  uint64_t units_run = 0;
  uint64_t queue_ns = 0;
  uint64_t compute_ns = 0;
  // Worker processes replaced, by reason (crash, timeout, recycled, memory),
  // and the resident memory of each live one.
  std::map<std::string, int64_t> worker_restarts;
  std::vector<int64_t> worker_rss_bytes;
  // The result cache (CachingRecognizer); all zero when there is none.
  int64_t cache_capacity_bytes = 0;
  int64_t cache_bytes = 0;
  int64_t cache_entries = 0;
  int64_t cache_hits = 0;
  int64_t cache_misses = 0;
  int64_t cache_evictions = 0;
};

class Recognizer {
 public:
  virtual ~Recognizer() = default;
  // Creates and warms every engine; returns when all are ready.
  virtual Status Start() = 0;
  // Admits the tasks of one request, all or none: kUnavailable when its
  // pages do not fit (queue full, or not done before its deadline), when
  // not started or when stopping. On error no `done` is called; a request
  // shed after admission gets kUnavailable (none of it started) or
  // kDeadlineExceeded through its `done`s.
  Status Submit(std::vector<RecognitionTask> tasks,
                Admission admission = Admission::kNew) {
    return DoSubmit(std::move(tasks), admission);
  }
  // Whether a one-page request with this deadline would be admitted now:
  // checked before a request's body is read.
  virtual Status CheckRoom(Clock::time_point /*deadline*/) const {
    return OkStatus();
  }
  // Refuses new tasks; waits for queued and running ones to finish.
  virtual void Stop() = 0;
  virtual RecognizerStats Stats() const = 0;

 protected:
  virtual Status DoSubmit(std::vector<RecognitionTask> tasks,
                          Admission admission) = 0;
};

}  // namespace ocr
