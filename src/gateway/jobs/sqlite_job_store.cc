// SqliteJobStore: opening, jobs, webhooks and removal (pages and results:
// sqlite_job_pages.cc).
#include "gateway/jobs/sqlite_job_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <system_error>

#include "common/logging.h"
#include "gateway/jobs/sqlite_db.h"
#include "gateway/jobs/sqlite_schema.h"

namespace ocr::jobs {

using sqlite::Connection;
using sqlite::Stmt;
using sqlite::Transaction;

namespace {

std::optional<std::string_view> NullIfEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return std::string_view(text);
}

}  // namespace

SqliteJobStore::SqliteJobStore(std::unique_ptr<Connection> db)
    : db_(std::move(db)) {}

SqliteJobStore::~SqliteJobStore() = default;

StatusOr<std::unique_ptr<SqliteJobStore>> SqliteJobStore::Open(
    const std::string& path, Options options) {
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(path));
  sqlite3_busy_timeout(db->db(), options.busy_timeout_ms);
  ASSIGN_OR_RETURN(
      const int found,
      sqlite::PrepareSchema(*db, sqlite::SchemaCheck{options.verify_at_open}));
  // FULL: the log is synced at every commit (see Options::full_sync).
  RETURN_IF_ERROR(db->Exec(options.full_sync ? "PRAGMA synchronous = FULL"
                                             : "PRAGMA synchronous = NORMAL"));
  RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON"));
  RETURN_IF_ERROR(db->Exec("PRAGMA journal_size_limit = " +
                           std::to_string(options.wal_size_limit_bytes)));
  if (options.max_size_bytes > 0) {
    ASSIGN_OR_RETURN(const int64_t page_size, db->QueryInt("PRAGMA page_size"));
    RETURN_IF_ERROR(db->Exec("PRAGMA max_page_count = " +
                             std::to_string(std::max<int64_t>(
                                 1, options.max_size_bytes / page_size))));
  }
  std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(std::move(db)));
  store->opened_schema_version_ = found;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  LOG_INFO("job store opened",
           {{"path", path},
            {"schema_version_found", found},
            {"schema_version", sqlite::CurrentSchemaVersion()},
            {"open_ms", static_cast<int64_t>(ms)}});
  return store;
}

StatusOr<int64_t> SqliteJobStore::FileBytes() {
  std::lock_guard lock(mu_);
  int64_t total = 0;
  for (const std::string& file : {db_->path(), db_->path() + "-wal"}) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (!error) total += static_cast<int64_t>(size);
  }
  return total;
}

StatusOr<JobRecord> SqliteJobStore::ReadJobLocked(const std::string& id,
                                                  bool with_errors) {
  JobRecord job;
  {
    ASSIGN_OR_RETURN(
        Stmt row,
        db_->Prepare(
            "SELECT idempotency_key, request_digest, filename, media_type,"
            " output, callback_url, input_bytes, state, split, pages_total,"
            " pages_done, pages_failed, created_ms, updated_ms, finished_ms,"
            " detail, version, webhook_attempts, webhook_delivered"
            " FROM jobs WHERE id = ?1"));
    row.Bind(id);
    ASSIGN_OR_RETURN(const bool found, row.Step());
    if (!found) return NotFoundError("no job " + id);
    JobSpec& spec = job.spec;
    spec.id = id;
    spec.idempotency_key = row.Bytes(0);
    spec.request_digest = row.Bytes(1);
    spec.filename = row.Bytes(2);
    spec.media_type = row.Bytes(3);
    spec.output = row.Bytes(4);
    spec.callback_url = row.Bytes(5);
    spec.input_bytes = row.Int(6);
    job.state = static_cast<JobState>(row.Int(7));
    job.split = row.Int(8) != 0;
    job.pages_total = static_cast<int>(row.Int(9));
    job.pages_done = static_cast<int>(row.Int(10));
    job.pages_failed = static_cast<int>(row.Int(11));
    job.created_ms = row.Int(12);
    job.updated_ms = row.Int(13);
    job.finished_ms = row.Int(14);
    job.detail = row.Bytes(15);
    job.version = row.Int(16);
    job.webhook_attempts = static_cast<int>(row.Int(17));
    job.webhook_delivered = row.Int(18) != 0;
  }
  {
    ASSIGN_OR_RETURN(Stmt rows, db_->Prepare("SELECT name, value FROM "
                                             "job_parameters WHERE job_id = ?1"
                                             " ORDER BY position"));
    rows.Bind(id);
    while (true) {
      ASSIGN_OR_RETURN(const bool row, rows.Step());
      if (!row) break;
      job.spec.parameters.emplace_back(rows.Bytes(0), rows.Bytes(1));
    }
  }
  if (with_errors) {
    ASSIGN_OR_RETURN(Stmt rows, db_->Prepare(sqlite::sql::kJobErrors));
    rows.Bind(id);
    while (true) {
      ASSIGN_OR_RETURN(const bool row, rows.Step());
      if (!row) break;
      job.errors.push_back(
          PageError{static_cast<int>(rows.Int(0)), rows.Bytes(1)});
    }
  }
  return job;
}

StatusOr<SqliteJobStore::Counters> SqliteJobStore::ReadCountersLocked(
    const std::string& id) {
  ASSIGN_OR_RETURN(Stmt row, db_->Prepare(sqlite::sql::kJobCounters));
  row.Bind(id);
  ASSIGN_OR_RETURN(const bool found, row.Step());
  if (!found) return NotFoundError("no job " + id);
  Counters c;
  c.state = static_cast<JobState>(row.Int(0));
  c.split = row.Int(1) != 0;
  c.total = static_cast<int>(row.Int(2));
  c.done = static_cast<int>(row.Int(3));
  c.failed = static_cast<int>(row.Int(4));
  c.last_done_seq = row.Int(5);
  return c;
}

StatusOr<JobState> SqliteJobStore::WriteCountersLocked(const std::string& id,
                                                       Counters c,
                                                       int64_t now_ms) {
  int64_t finished_ms = 0;
  if (!IsFinal(c.state) && c.split && c.done + c.failed >= c.total) {
    c.state = c.done == 0     ? JobState::kFailed
              : c.failed == 0 ? JobState::kSucceeded
                              : JobState::kPartiallySucceeded;
    finished_ms = now_ms;
  }
  ASSIGN_OR_RETURN(
      Stmt update,
      db_->Prepare(
          "UPDATE jobs SET state = ?2, split = ?3, pages_total = ?4,"
          " pages_done = ?5, pages_failed = ?6, last_done_seq = ?7,"
          " finished_ms = CASE WHEN ?8 > 0 THEN ?8 ELSE finished_ms END,"
          " updated_ms = CASE WHEN ?9 > 0 THEN ?9 ELSE updated_ms END,"
          " version = version + 1 WHERE id = ?1"));
  update.Bind(id, static_cast<int>(c.state), c.split, c.total, c.done, c.failed,
              c.last_done_seq, finished_ms, now_ms);
  RETURN_IF_ERROR(update.Run());
  return c.state;
}

StatusOr<JobRecord> SqliteJobStore::CreateJob(const JobSpec& spec,
                                              int64_t now_ms, bool* created) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  if (!spec.idempotency_key.empty()) {
    std::string existing_id;
    std::string existing_digest;
    {
      ASSIGN_OR_RETURN(Stmt row,
                       db_->Prepare("SELECT id, request_digest FROM jobs"
                                    " WHERE idempotency_key = ?1"));
      row.Bind(spec.idempotency_key);
      ASSIGN_OR_RETURN(const bool found, row.Step());
      if (found) {
        existing_id = row.Bytes(0);
        existing_digest = row.Bytes(1);
      }
    }
    if (!existing_id.empty()) {
      if (existing_digest != spec.request_digest) {
        return Status(StatusCode::kUnprocessable,
                      "Idempotency-Key " + spec.idempotency_key +
                          " was used with a different request");
      }
      if (created != nullptr) *created = false;
      return ReadJobLocked(existing_id, /*with_errors=*/true);
    }
  }
  {
    ASSIGN_OR_RETURN(
        Stmt insert,
        db_->Prepare("INSERT INTO jobs (id, idempotency_key, request_digest,"
                     " filename, media_type, output, callback_url, input_bytes,"
                     " state, created_ms, updated_ms)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9)"));
    insert.Bind(spec.id, NullIfEmpty(spec.idempotency_key), spec.request_digest,
                spec.filename, spec.media_type, spec.output, spec.callback_url,
                spec.input_bytes, now_ms);
    RETURN_IF_ERROR(insert.Run());
  }
  int position = 0;
  for (const auto& [name, value] : spec.parameters) {
    ASSIGN_OR_RETURN(Stmt insert,
                     db_->Prepare("INSERT INTO job_parameters (job_id,"
                                  " position, name, value)"
                                  " VALUES (?1, ?2, ?3, ?4)"));
    insert.Bind(spec.id, position++, name, value);
    RETURN_IF_ERROR(insert.Run());
  }
  ASSIGN_OR_RETURN(JobRecord job, ReadJobLocked(spec.id, false));
  RETURN_IF_ERROR(tx.Commit());
  if (created != nullptr) *created = true;
  return job;
}

StatusOr<JobRecord> SqliteJobStore::GetJob(const std::string& id) {
  std::lock_guard lock(mu_);
  return ReadJobLocked(id, /*with_errors=*/true);
}

namespace {

StatusOr<std::vector<std::string>> Ids(Stmt& rows) {
  std::vector<std::string> ids;
  while (true) {
    ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) return ids;
    ids.push_back(rows.Bytes(0));
  }
}

}  // namespace

StatusOr<std::vector<std::string>> SqliteJobStore::UnfinishedJobs() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Stmt rows, db_->Prepare(sqlite::sql::kUnfinishedJobs));
  return Ids(rows);
}

StatusOr<std::vector<std::string>> SqliteJobStore::ExpiredJobs(
    int64_t before_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Stmt rows, db_->Prepare(sqlite::sql::kExpiredJobs));
  rows.Bind(before_ms);
  return Ids(rows);
}

StatusOr<std::vector<std::string>> SqliteJobStore::UndeliveredWebhooks(
    int max_attempts) {
  std::lock_guard lock(mu_);
  // At start-up only: a scan of the jobs table is fine.
  ASSIGN_OR_RETURN(
      Stmt rows,
      db_->Prepare("SELECT id FROM jobs WHERE finished_ms > 0"
                   " AND callback_url <> '' AND webhook_delivered = 0"
                   " AND webhook_attempts < ?1 ORDER BY finished_ms, rowid"));
  rows.Bind(max_attempts);
  return Ids(rows);
}

StatusOr<JobRecord> SqliteJobStore::FailJob(const std::string& job_id,
                                            const std::string& detail,
                                            int64_t now_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(const Counters c, ReadCountersLocked(job_id));
  if (IsFinal(c.state)) return ReadJobLocked(job_id, /*with_errors=*/true);
  {
    ASSIGN_OR_RETURN(Stmt update,
                     db_->Prepare("UPDATE jobs SET state = ?2, detail = ?3,"
                                  " finished_ms = ?4, updated_ms = ?4,"
                                  " version = version + 1 WHERE id = ?1"));
    update.Bind(job_id, static_cast<int>(JobState::kFailed), detail, now_ms);
    RETURN_IF_ERROR(update.Run());
  }
  ASSIGN_OR_RETURN(JobRecord job, ReadJobLocked(job_id, /*with_errors=*/true));
  RETURN_IF_ERROR(tx.Commit());
  return job;
}

Status SqliteJobStore::RecordWebhookAttempt(const std::string& job_id,
                                            bool delivered, int64_t now_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(
      Stmt update,
      db_->Prepare("UPDATE jobs SET webhook_attempts = webhook_attempts + 1,"
                   " webhook_delivered = max(webhook_delivered, ?2),"
                   " updated_ms = ?3, version = version + 1 WHERE id = ?1"));
  update.Bind(job_id, delivered, now_ms);
  RETURN_IF_ERROR(update.Run());
  if (db_->Changes() == 0) return NotFoundError("no job " + job_id);
  return OkStatus();
}

Status SqliteJobStore::CancelJob(const std::string& job_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(const Counters c, ReadCountersLocked(job_id));
  if (IsFinal(c.state)) return OkStatus();
  {
    ASSIGN_OR_RETURN(
        Stmt update,
        db_->Prepare("UPDATE jobs SET state = ?2, finished_ms = ?3,"
                     " updated_ms = ?3, version = version + 1 WHERE id = ?1"));
    update.Bind(job_id, static_cast<int>(JobState::kCancelled), now_ms);
    RETURN_IF_ERROR(update.Run());
  }
  return tx.Commit();
}

Status SqliteJobStore::DeleteJob(const std::string& job_id) {
  std::lock_guard lock(mu_);
  {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    RETURN_IF_ERROR(ReadCountersLocked(job_id).status());
    // Children first: each a range of a primary key.
    for (const char* sql : {"DELETE FROM page_inputs WHERE job_id = ?1",
                            "DELETE FROM pages WHERE job_id = ?1",
                            "DELETE FROM job_parameters WHERE job_id = ?1",
                            "DELETE FROM jobs WHERE id = ?1"}) {
      ASSIGN_OR_RETURN(Stmt del, db_->Prepare(sql));
      del.Bind(job_id);
      RETURN_IF_ERROR(del.Run());
    }
    RETURN_IF_ERROR(tx.Commit());
  }
  // Gives the freed pages back to the file system (the file shrinks at the
  // checkpoint). The job is gone already: a failure here only delays that.
  Status reclaim = db_->Exec("PRAGMA incremental_vacuum");
  if (reclaim.ok()) reclaim = db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!reclaim.ok()) {
    LOG_WARNING("job store: space of a deleted job not reclaimed yet",
                {{"job", job_id}, {"error", reclaim.message()}});
  }
  return OkStatus();
}

}  // namespace ocr::jobs
