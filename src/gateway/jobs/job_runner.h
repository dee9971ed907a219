// Runs the jobs of the store: splits each document into its pages (in the
// sandboxed ocr-page-splitter), hands the pages to every model endpoint at
// once, up to `slots_per_endpoint` pages in flight on each, jobs taken in
// turn so a long document never starves a short one; a page whose attempt
// fails is tried once more on another endpoint, then recorded as failed.
// After a restart it takes up where the store says it was. Cancelling a job
// stops its pages in flight (the model sees its client go) and purges it;
// finished jobs are purged after the retention time.
//
// The runner's state lives on one strand; store and file work runs on a
// small blocking pool, never on an I/O thread.
#pragma once

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/async_call.h"
#include "common/call_canceller.h"
#include "gateway/jobs/job_events.h"
#include "gateway/jobs/job_metrics.h"
#include "gateway/jobs/job_store.h"
#include "gateway/model_client.h"

namespace ocr::jobs {

// Splits the document at `path` into its pages, handing each (1-based page
// of the document, media type, bytes) to `on_page` in page order; returns
// the number of pages. The gateway's is the sandboxed ocr-page-splitter.
using PageSink =
    std::function<Status(int page, std::string media_type, std::string bytes)>;
using SplitFn = std::function<StatusOr<int>(
    const std::string& path, const std::string& media_type,
    const std::string& pages_spec, int max_pages, const PageSink& on_page)>;

// Whether a file of `media_type` is split into pages (PDF, TIFF); anything
// else is one page.
bool IsPaged(std::string_view media_type);

inline constexpr int kDefaultSlots = 2;

struct JobRunnerOptions {
  std::string inputs_dir;  // uploads waiting to be split
  SplitFn split;
  int max_pages = 10000;  // per job
  // Pages in flight on each model endpoint; 0: the engines the endpoint
  // reports in its model metadata (asked at start and every 30 s), and
  // kDefaultSlots until it has answered.
  int slots_per_endpoint = 0;
  std::chrono::milliseconds page_timeout{120000};
  std::chrono::milliseconds retention{24 * 3600 * 1000};
  std::string model_name = "ocr-model";
  int blocking_threads = 4;
  // Called (on the runner's strand) when a job reaches a final state.
  std::function<void(const JobRecord&)> on_final;
  JobMetrics* metrics = nullptr;  // not owned; may be null
};

class JobRunner {
 public:
  // `store`, `client` and `events` are not owned and must outlive the
  // runner.
  JobRunner(net::any_io_executor io, JobStore& store, ModelClient& client,
            JobEvents& events, JobRunnerOptions options);
  ~JobRunner();

  // Requeues pages that were running when the gateway stopped, resumes the
  // unfinished jobs and starts dispatching and the retention sweep.
  Status Start();
  // Stops taking new pages and stops those in flight (they stay queued in
  // the store for the next start). Blocks until the runner is idle. Calls
  // after the first return at once.
  void Stop();

  // The file a new job's upload is saved to before Enqueue.
  std::string InputPath(const std::string& id) const;
  // Splits and runs a job whose record exists and whose upload is at
  // InputPath(id).
  void Enqueue(const std::string& id);
  // Cancels a job (pages in flight stop) and deletes it with its data.
  // kNotFound when unknown.
  net::awaitable<Status> Cancel(const std::string& id);

  // Runs `fn` on the blocking pool and resumes the caller on its executor.
  // `fn` is a named object, never a temporary of the co_await expression:
  // GCC 12 may destroy such temporaries twice.
  template <typename T>
  net::awaitable<T> Blocking(std::function<T()>& fn) {
    auto start = [this, &fn](std::function<void(T)> done) {
      net::post(pool_, [fn, done = std::move(done)] { done(fn()); });
    };
    const std::function<void()> no_timeout;
    auto value =
        co_await AwaitCallback<T>(Clock::time_point::max(), start, no_timeout);
    co_return std::move(*value);
  }

  // The first failure of the job's split or pages, with the status a
  // synchronous request reports (ok when none was noted); taken once.
  Status TakeFailure(const std::string& id);

  JobStore& store() { return store_; }
  bool SplitsDocuments() const { return static_cast<bool>(options_.split); }

 private:
  struct Active;
  using ActivePtr = std::shared_ptr<Active>;

  void Wake();
  // Runs `work` on the strand; an exception it lets out is logged.
  void Spawn(net::awaitable<void> work);
  net::awaitable<void> Resume();
  net::awaitable<void> DispatchLoop();
  net::awaitable<void> Split(ActivePtr job);
  net::awaitable<void> RunPage(ActivePtr job, PageTask task, size_t endpoint);
  net::awaitable<void> Finished(ActivePtr job, PageResult result,
                                size_t endpoint);
  net::awaitable<void> RetentionLoop();
  // Keeps slots_ at the engines each endpoint reports.
  net::awaitable<void> DiscoverEngines();
  void Activate(const JobRecord& record, bool split);
  // Takes a job's counts from its latest record.
  void Track(const JobRecord& record);
  // A job that ended: metrics, log, on_final.
  void Ended(const JobRecord& record);
  void UpdateBacklog();
  ActivePtr NextJob();
  int64_t NowMs() const;
  void NoteFailure(const std::string& id, Status status);

  JobStore& store_;
  ModelClient& client_;
  JobEvents& events_;
  const JobRunnerOptions options_;
  net::thread_pool pool_;
  net::strand<net::any_io_executor> strand_;
  net::steady_timer wake_;
  net::steady_timer retention_timer_;
  bool stopping_ = false;  // on the strand
  std::atomic<bool> stop_requested_{false};
  std::mutex failures_mu_;
  std::map<std::string, Status> failures_;
  std::map<std::string, ActivePtr> active_;  // on the strand
  std::deque<std::string> turn_;             // round-robin order of jobs
  std::vector<int> in_flight_;               // per endpoint
  std::vector<int> slots_;                   // per endpoint
  net::steady_timer discovery_timer_;
};

}  // namespace ocr::jobs
