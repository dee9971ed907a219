// Durable state of asynchronous jobs: the jobs, their page tasks (each with
// its page's bytes) and the pages' results. One interface, implemented on
// SQLite (sqlite_job_store.h, the default on one machine) and, later, on
// PostgreSQL; both pass the same store test suite
// (tests/unit/gateway/jobs/job_store_test.cc).
//
// Every method is synchronous and thread-safe; the gateway calls them from
// its blocking pool, never from an I/O thread. Errors: kUnavailable when the
// store cannot be reached or written (disk full: kInsufficientStorage), the
// message saying why; kNotFound for an unknown job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ocr::jobs {

enum class JobState : uint8_t {
  kQueued = 0,          // accepted; not split yet, or no page started yet
  kRunning,             // some page has started
  kSucceeded,           // every page read
  kPartiallySucceeded,  // some pages read, some failed
  kFailed,              // no page read, or the document could not be split
  kCancelled,           // DELETE before it ended (purged right after)
};
std::string_view Name(JobState state);
bool IsFinal(JobState state);

enum class PageState : uint8_t {
  kQueued = 0,
  kRunning,    // handed to a model endpoint
  kSucceeded,  // result stored
  kFailed,     // failed after its retry; detail stored
};
std::string_view Name(PageState state);

// What a client asked for, fixed when the job is created.
struct JobSpec {
  std::string id;               // see NewJobId(); unique
  std::string idempotency_key;  // empty: none
  std::string request_digest;   // SHA-256 (hex) of the upload and options
  std::string filename;         // as uploaded (informational)
  std::string media_type;       // sniffed: image/png, application/pdf, ...
  // The model request parameters (lang, psm, dpi, output, text_layer,
  // pages, rotate, deskew, rescale), in the order given; `pages` is applied
  // when the document is split.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::string output = "text";  // the `output` parameter, or text
  std::string callback_url;     // empty: no webhook
  int64_t input_bytes = 0;      // of the uploaded file

  bool operator==(const JobSpec&) const = default;
};

struct PageError {
  int page = 0;  // 1-based page of the document
  std::string detail;

  bool operator==(const PageError&) const = default;
};

struct JobRecord {
  JobSpec spec;
  JobState state = JobState::kQueued;
  bool split = false;   // pages are stored; pages_total is final
  int pages_total = 0;  // 0 until split
  int pages_done = 0;   // succeeded
  int pages_failed = 0;
  int64_t created_ms = 0;  // Unix milliseconds
  int64_t updated_ms = 0;
  int64_t finished_ms = 0;        // 0 until final
  std::string detail;             // why the job failed as a whole (split error)
  std::vector<PageError> errors;  // failed pages, in page order
  // Bumped on every change of the job or one of its pages: long polls wait
  // for it to move.
  int64_t version = 0;
  // Webhook delivery: attempts made, and whether one was answered 2xx.
  int webhook_attempts = 0;
  bool webhook_delivered = false;

  bool operator==(const JobRecord&) const = default;
};

// One page of a job to recognise.
struct PageTask {
  std::string job_id;
  int index = 0;  // 0-based position in the job (page order)
  int page = 0;   // 1-based page of the document it came from
  int attempts = 0;
  std::string last_endpoint;  // where the last attempt ran ("" none)

  bool operator==(const PageTask&) const = default;
};

// A page as stored: its task, its bytes (only from LoadPageInput) and, once
// finished, its result.
struct PageInput {
  std::string media_type;  // of `bytes`: application/pdf, image/tiff, ...
  std::string bytes;

  bool operator==(const PageInput&) const = default;
};

struct PageResult {
  int index = 0;
  int page = 0;
  PageState state = PageState::kQueued;
  // The model's output for this page alone, in the job's output format
  // (text, or the page's hOCR/ALTO/TSV/JSON document, or a one-page PDF).
  std::string output;
  std::string text;  // the page's plain text when known ("" otherwise)
  std::optional<double> mean_confidence;
  int64_t ms = 0;        // recognition time of the successful attempt
  std::string detail;    // why it failed
  int64_t done_seq = 0;  // 1, 2, ... in the order pages finished in the job

  bool operator==(const PageResult&) const = default;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // --- Jobs ---
  // Creates the job (state queued, not split). When spec.idempotency_key is
  // set and a job with that key exists: returns that job's record instead,
  // and *created = false; kUnprocessable when its request_digest differs.
  virtual StatusOr<JobRecord> CreateJob(const JobSpec& spec, int64_t now_ms,
                                        bool* created) = 0;
  virtual StatusOr<JobRecord> GetJob(const std::string& id) = 0;
  // Ids of jobs not final, oldest first (to resume after a restart).
  virtual StatusOr<std::vector<std::string>> UnfinishedJobs() = 0;
  // Ids of final jobs finished before `before_ms` (retention).
  virtual StatusOr<std::vector<std::string>> ExpiredJobs(int64_t before_ms) = 0;

  // --- Splitting: pages are added in batches, then the split is sealed ---
  // Adds pages to a job not yet split (any earlier pages with these indices
  // are replaced, results included: a split restarted after a crash starts
  // over). kInvalidArgument once the job is split or final.
  virtual Status AddPages(
      const std::string& job_id,
      const std::vector<std::pair<PageTask, PageInput>>& pages) = 0;
  // Marks the job split with `pages_total` pages (those added: any other
  // count, or 0, is kInvalidArgument; a document without pages is FailJob's).
  // When every page has finished already, the job becomes final here.
  virtual Status SealSplit(const std::string& job_id, int pages_total,
                           int64_t now_ms) = 0;
  // Deletes the pages added so far (a split that must start over); the job
  // is queued again, and done_seq goes on from where it was.
  virtual Status ClearPages(const std::string& job_id) = 0;

  // --- Page tasks ---
  // Up to `limit` queued pages of the job, in page order, marked running
  // (the job becomes running). Pages may be claimed before the split is
  // sealed (recognition starts while a long document is being split); a
  // final job has none.
  virtual StatusOr<std::vector<PageTask>> ClaimPages(const std::string& job_id,
                                                     int limit,
                                                     int64_t now_ms) = 0;
  virtual StatusOr<PageInput> LoadPageInput(const std::string& job_id,
                                            int index) = 0;
  // Puts running pages of every job back to queued (start-up: nobody runs
  // them any more). Returns how many.
  virtual StatusOr<int> RequeueRunning() = 0;
  // Records an attempt that will be retried: back to queued, attempts + 1.
  // A no-op for a page already finished or a job already final.
  virtual Status RequeuePage(const std::string& job_id, int index,
                             const std::string& endpoint, int64_t now_ms) = 0;
  // Records the page's outcome (state kSucceeded or kFailed in `result`),
  // updates the job's counters and, when it was the last page, its final
  // state (succeeded, partially_succeeded or failed), all in one
  // transaction; attempts + 1. A page already finished (a late duplicate
  // answer) or a job already final changes nothing. Returns the job, whose
  // `errors` is filled only when the job is final (reading them for every
  // page would cost O(pages) per page).
  virtual StatusOr<JobRecord> FinishPage(const std::string& job_id,
                                         const PageResult& result,
                                         const std::string& endpoint,
                                         int64_t now_ms) = 0;
  // Ends a job as failed as a whole (the document could not be split).
  virtual StatusOr<JobRecord> FailJob(const std::string& job_id,
                                      const std::string& detail,
                                      int64_t now_ms) = 0;

  // --- Results ---
  // Finished pages with done_seq > after_seq, in done_seq order, at most
  // `limit`, with their texts; with `with_output`, their outputs too
  // (otherwise `output` is empty).
  virtual StatusOr<std::vector<PageResult>> FinishedPages(
      const std::string& job_id, int64_t after_seq, int limit,
      bool with_output) = 0;
  // Every page's result in page order (queued or running pages have state
  // but no output), for assembling the document.
  virtual StatusOr<std::vector<PageResult>> PageResults(
      const std::string& job_id) = 0;

  // --- Webhooks ---
  virtual Status RecordWebhookAttempt(const std::string& job_id, bool delivered,
                                      int64_t now_ms) = 0;
  // Ids of final jobs with a callback_url whose webhook is not delivered
  // and has had fewer than `max_attempts` attempts, oldest first: the
  // deliveries a restart resumes.
  virtual StatusOr<std::vector<std::string>> UndeliveredWebhooks(
      int max_attempts) = 0;

  // --- Removal ---
  // Cancels (state cancelled, finished_ms set) a job that is not final;
  // no-op otherwise.
  virtual Status CancelJob(const std::string& job_id, int64_t now_ms) = 0;
  // Deletes the job, its pages and results. kNotFound when unknown.
  virtual Status DeleteJob(const std::string& job_id) = 0;
};

// A new job id: 26 characters of [0-9a-z] (128 random bits, base32),
// unguessable: the id is the job's only key.
std::string NewJobId();
// Whether `id` has NewJobId's form (checked before any lookup).
bool ValidJobId(std::string_view id);

}  // namespace ocr::jobs
