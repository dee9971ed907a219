// The job store on SQLite: one database file in the gateway's --job-dir,
// written with write-ahead logging and synchronous commits, so that a crash
// at any moment (even SIGKILL, even a power cut with the default
// full_sync) loses nothing committed and leaves the file consistent.
//
// Thread-safe: one connection, every call serialised behind one mutex (the
// gateway calls from its blocking pool; SQLite has a single writer anyway).
// Prepared statements are cached on the connection. Pages claim, finish and
// list through indexes: O(log n) per page in a job of n pages.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gateway/jobs/job_store.h"

namespace ocr::jobs {

namespace sqlite {
class Connection;
}

class SqliteJobStore final : public JobStore {
 public:
  struct Options {
    // synchronous=FULL: a commit is on disk when the call returns, so a
    // power cut loses nothing answered. false: synchronous=NORMAL, which
    // with WAL still survives any crash of the process, but a power cut
    // may lose the last commits (never consistency).
    bool full_sync = true;
    // How long a call waits for another process's lock before kUnavailable.
    int busy_timeout_ms = 5000;
    // PRAGMA quick_check at open: reports a damaged file at start instead
    // of failing later mid-job. It reads the whole file: measured 2.4 s for
    // 1.2 GB from the page cache, 38 s from a cold VM disk. false skips it
    // (a file that is not a database is still refused at open; damage
    // elsewhere then surfaces as kUnavailable on the call that meets it).
    bool verify_at_open = true;
    // The write-ahead log is truncated to this after a checkpoint.
    int64_t wal_size_limit_bytes = int64_t{64} << 20;
    // The largest the database may grow (PRAGMA max_page_count); writes
    // beyond it fail as a full disk would (kInsufficientStorage). 0: no
    // limit but the disk's.
    int64_t max_size_bytes = 0;
  };

  // Opens the job store in the database file `path` (e.g.
  // <--job-dir>/jobs.sqlite3), creating it when missing and migrating an
  // older schema. A file that is damaged, not a job store, or of a newer
  // schema is reported (kUnavailable, saying what to do), never replaced.
  static StatusOr<std::unique_ptr<SqliteJobStore>> Open(const std::string& path,
                                                        Options options);
  static StatusOr<std::unique_ptr<SqliteJobStore>> Open(
      const std::string& path) {
    return Open(path, Options());
  }
  ~SqliteJobStore() override;

  // The schema version the file had when opened (0: it was created).
  int opened_schema_version() const { return opened_schema_version_; }
  // Bytes of the database file and its log (for metrics and tests).
  StatusOr<int64_t> FileBytes();

  StatusOr<JobRecord> CreateJob(const JobSpec& spec, int64_t now_ms,
                                bool* created) override;
  StatusOr<JobRecord> GetJob(const std::string& id) override;
  StatusOr<std::vector<std::string>> UnfinishedJobs() override;
  StatusOr<std::vector<std::string>> ExpiredJobs(int64_t before_ms) override;
  StatusOr<std::vector<std::string>> UndeliveredWebhooks(
      int max_attempts) override;

  Status AddPages(
      const std::string& job_id,
      const std::vector<std::pair<PageTask, PageInput>>& pages) override;
  Status SealSplit(const std::string& job_id, int pages_total,
                   int64_t now_ms) override;
  Status ClearPages(const std::string& job_id) override;

  StatusOr<std::vector<PageTask>> ClaimPages(const std::string& job_id,
                                             int limit,
                                             int64_t now_ms) override;
  StatusOr<PageInput> LoadPageInput(const std::string& job_id,
                                    int index) override;
  StatusOr<int> RequeueRunning() override;
  Status RequeuePage(const std::string& job_id, int index,
                     const std::string& endpoint, int64_t now_ms) override;
  StatusOr<JobRecord> FinishPage(const std::string& job_id,
                                 const PageResult& result,
                                 const std::string& endpoint,
                                 int64_t now_ms) override;
  StatusOr<JobRecord> FailJob(const std::string& job_id,
                              const std::string& detail,
                              int64_t now_ms) override;

  StatusOr<std::vector<PageResult>> FinishedPages(const std::string& job_id,
                                                  int64_t after_seq, int limit,
                                                  bool with_output) override;
  StatusOr<std::vector<PageResult>> PageResults(
      const std::string& job_id) override;

  Status RecordWebhookAttempt(const std::string& job_id, bool delivered,
                              int64_t now_ms) override;

  Status CancelJob(const std::string& job_id, int64_t now_ms) override;
  Status DeleteJob(const std::string& job_id) override;

 private:
  // A job's state and page counters, as read inside a transaction.
  struct Counters {
    JobState state = JobState::kQueued;
    bool split = false;
    int total = 0;
    int done = 0;
    int failed = 0;
    int64_t last_done_seq = 0;
  };

  explicit SqliteJobStore(std::unique_ptr<sqlite::Connection> db);

  // The *Locked methods run with mu_ held (most inside a transaction).
  StatusOr<JobRecord> ReadJobLocked(const std::string& id, bool with_errors);
  StatusOr<Counters> ReadCountersLocked(const std::string& id);
  // Writes the counters back, with the job's state made final when every
  // page of a split job has finished; bumps the version. Returns the state
  // written.
  StatusOr<JobState> WriteCountersLocked(const std::string& id,
                                         Counters counters, int64_t now_ms);

  std::mutex mu_;
  std::unique_ptr<sqlite::Connection> db_;
  int opened_schema_version_ = 0;
};

}  // namespace ocr::jobs
