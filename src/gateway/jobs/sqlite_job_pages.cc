// SqliteJobStore: splitting, page tasks and results (jobs and removal:
// sqlite_job_store.cc). Every change is one transaction that also bumps the
// job's version; a page's result, the job's counters and its final state are
// committed together.
#include <string>

#include "gateway/jobs/sqlite_db.h"
#include "gateway/jobs/sqlite_job_store.h"
#include "gateway/jobs/sqlite_schema.h"

namespace ocr::jobs {

using sqlite::Stmt;
using sqlite::Transaction;
namespace sql = sqlite::sql;

namespace {

Status NoPage(const std::string& job_id, int index) {
  return NotFoundError("job " + job_id + " has no page at index " +
                       std::to_string(index));
}

// Columns idx, page, state, ms, detail, done_seq, mean_confidence, text
// [, output] of a pages row.
PageResult ReadResult(const Stmt& row, bool with_output) {
  PageResult r;
  r.index = static_cast<int>(row.Int(0));
  r.page = static_cast<int>(row.Int(1));
  r.state = static_cast<PageState>(row.Int(2));
  r.ms = row.Int(3);
  r.detail = row.Bytes(4);
  r.done_seq = row.IsNull(5) ? 0 : row.Int(5);
  if (!row.IsNull(6)) r.mean_confidence = row.Double(6);
  r.text = row.Bytes(7);
  if (with_output) r.output = row.Bytes(8);
  return r;
}

bool IsFinal(PageState state) {
  return state == PageState::kSucceeded || state == PageState::kFailed;
}

}  // namespace

Status SqliteJobStore::AddPages(
    const std::string& job_id,
    const std::vector<std::pair<PageTask, PageInput>>& pages) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Counters c, ReadCountersLocked(job_id));
  if (c.split || jobs::IsFinal(c.state)) {
    return InvalidArgumentError(
        "job " + job_id + " takes no more pages (" +
        (c.split ? std::string("split already") : std::string(Name(c.state))) +
        ")");
  }
  if (pages.empty()) return OkStatus();
  for (const auto& [task, input] : pages) {
    if (task.index < 0) {
      return InvalidArgumentError("page index " + std::to_string(task.index));
    }
    std::optional<PageState> replaced;
    {
      ASSIGN_OR_RETURN(Stmt row, db_->Prepare(sql::kPageState));
      row.Bind(job_id, task.index);
      ASSIGN_OR_RETURN(const bool found, row.Step());
      if (found) replaced = static_cast<PageState>(row.Int(0));
    }
    if (replaced) {  // a split started over: the new page replaces it
      if (*replaced == PageState::kSucceeded) --c.done;
      if (*replaced == PageState::kFailed) --c.failed;
      for (const char* sql :
           {"DELETE FROM page_inputs WHERE job_id = ?1 AND idx = ?2",
            "DELETE FROM pages WHERE job_id = ?1 AND idx = ?2"}) {
        ASSIGN_OR_RETURN(Stmt del, db_->Prepare(sql));
        del.Bind(job_id, task.index);
        RETURN_IF_ERROR(del.Run());
      }
    }
    {
      ASSIGN_OR_RETURN(Stmt insert,
                       db_->Prepare("INSERT INTO pages (job_id, idx, page)"
                                    " VALUES (?1, ?2, ?3)"));
      insert.Bind(job_id, task.index, task.page);
      RETURN_IF_ERROR(insert.Run());
    }
    ASSIGN_OR_RETURN(
        Stmt insert,
        db_->Prepare("INSERT INTO page_inputs (job_id, idx, media_type, bytes)"
                     " VALUES (?1, ?2, ?3, ?4)"));
    insert.Bind(job_id, task.index, input.media_type).BindBlob(4, input.bytes);
    RETURN_IF_ERROR(insert.Run());
  }
  RETURN_IF_ERROR(WriteCountersLocked(job_id, c, 0).status());
  return tx.Commit();
}

Status SqliteJobStore::SealSplit(const std::string& job_id, int pages_total,
                                 int64_t now_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Counters c, ReadCountersLocked(job_id));
  if (jobs::IsFinal(c.state)) {
    return InvalidArgumentError("job " + job_id + " is " +
                                std::string(Name(c.state)));
  }
  if (c.split) {
    if (c.total == pages_total) return OkStatus();
    return InvalidArgumentError("job " + job_id + " is split already");
  }
  if (pages_total <= 0) {
    return InvalidArgumentError("job " + job_id +
                                ": a split without pages (use FailJob)");
  }
  {
    ASSIGN_OR_RETURN(Stmt count, db_->Prepare("SELECT count(*) FROM pages"
                                              " WHERE job_id = ?1"));
    count.Bind(job_id);
    RETURN_IF_ERROR(count.Step().status());
    if (count.Int(0) != pages_total) {
      return InvalidArgumentError(
          "job " + job_id + " has " + std::to_string(count.Int(0)) +
          " pages stored, not " + std::to_string(pages_total));
    }
  }
  c.split = true;
  c.total = pages_total;
  RETURN_IF_ERROR(WriteCountersLocked(job_id, c, now_ms).status());
  return tx.Commit();
}

Status SqliteJobStore::ClearPages(const std::string& job_id) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Counters c, ReadCountersLocked(job_id));
  if (c.split || jobs::IsFinal(c.state)) {
    return InvalidArgumentError("job " + job_id +
                                " is split already: its pages stay");
  }
  for (const char* sql : {"DELETE FROM page_inputs WHERE job_id = ?1",
                          "DELETE FROM pages WHERE job_id = ?1"}) {
    ASSIGN_OR_RETURN(Stmt del, db_->Prepare(sql));
    del.Bind(job_id);
    RETURN_IF_ERROR(del.Run());
  }
  c.state = JobState::kQueued;
  c.done = 0;
  c.failed = 0;  // last_done_seq stays: done_seq never repeats in a job
  RETURN_IF_ERROR(WriteCountersLocked(job_id, c, 0).status());
  return tx.Commit();
}

StatusOr<std::vector<PageTask>> SqliteJobStore::ClaimPages(
    const std::string& job_id, int limit, int64_t now_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Counters c, ReadCountersLocked(job_id));
  std::vector<PageTask> tasks;
  if (limit <= 0 || jobs::IsFinal(c.state)) return tasks;
  {
    ASSIGN_OR_RETURN(Stmt rows, db_->Prepare(sql::kClaimSelect));
    rows.Bind(job_id, limit);
    while (true) {
      ASSIGN_OR_RETURN(const bool row, rows.Step());
      if (!row) break;
      PageTask& task = tasks.emplace_back();
      task.job_id = job_id;
      task.index = static_cast<int>(rows.Int(0));
      task.page = static_cast<int>(rows.Int(1));
      task.attempts = static_cast<int>(rows.Int(2));
      task.last_endpoint = rows.Bytes(3);
    }
  }
  if (tasks.empty()) return tasks;
  for (const PageTask& task : tasks) {
    ASSIGN_OR_RETURN(Stmt update, db_->Prepare(sql::kPageMarkRunning));
    update.Bind(job_id, task.index);
    RETURN_IF_ERROR(update.Run());
  }
  c.state = JobState::kRunning;
  RETURN_IF_ERROR(WriteCountersLocked(job_id, c, now_ms).status());
  RETURN_IF_ERROR(tx.Commit());
  return tasks;
}

StatusOr<PageInput> SqliteJobStore::LoadPageInput(const std::string& job_id,
                                                  int index) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Stmt row, db_->Prepare(sql::kPageInput));
  row.Bind(job_id, index);
  ASSIGN_OR_RETURN(const bool found, row.Step());
  if (!found) return NoPage(job_id, index);
  return PageInput{row.Bytes(0), row.Bytes(1)};
}

StatusOr<int> SqliteJobStore::RequeueRunning() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  {
    ASSIGN_OR_RETURN(Stmt bump, db_->Prepare(sql::kJobsWithRunningPages));
    RETURN_IF_ERROR(bump.Run());
  }
  int64_t requeued = 0;
  {
    ASSIGN_OR_RETURN(Stmt update, db_->Prepare(sql::kRequeueRunning));
    RETURN_IF_ERROR(update.Run());
    requeued = db_->Changes();
  }
  RETURN_IF_ERROR(tx.Commit());
  return static_cast<int>(requeued);
}

Status SqliteJobStore::RequeuePage(const std::string& job_id, int index,
                                   const std::string& endpoint,
                                   int64_t now_ms) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(const Counters c, ReadCountersLocked(job_id));
  {
    ASSIGN_OR_RETURN(Stmt row, db_->Prepare(sql::kPageState));
    row.Bind(job_id, index);
    ASSIGN_OR_RETURN(const bool found, row.Step());
    if (!found) return NoPage(job_id, index);
    // A late report about a page that has its result, or of a job that
    // ended: nothing to retry.
    if (IsFinal(static_cast<PageState>(row.Int(0))) || jobs::IsFinal(c.state)) {
      return OkStatus();
    }
  }
  {
    ASSIGN_OR_RETURN(
        Stmt update,
        db_->Prepare("UPDATE pages SET state = 0, attempts = attempts + 1,"
                     " last_endpoint = ?3 WHERE job_id = ?1 AND idx = ?2"));
    update.Bind(job_id, index, endpoint);
    RETURN_IF_ERROR(update.Run());
  }
  RETURN_IF_ERROR(WriteCountersLocked(job_id, c, now_ms).status());
  return tx.Commit();
}

StatusOr<JobRecord> SqliteJobStore::FinishPage(const std::string& job_id,
                                               const PageResult& result,
                                               const std::string& endpoint,
                                               int64_t now_ms) {
  if (!IsFinal(result.state)) {
    return InvalidArgumentError("a page finishes as succeeded or failed, not " +
                                std::string(Name(result.state)));
  }
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Counters c, ReadCountersLocked(job_id));
  bool duplicate = jobs::IsFinal(c.state);  // e.g. cancelled meanwhile
  {
    ASSIGN_OR_RETURN(Stmt row, db_->Prepare(sql::kPageState));
    row.Bind(job_id, result.index);
    ASSIGN_OR_RETURN(const bool found, row.Step());
    if (!found) return NoPage(job_id, result.index);
    // A late second answer for a page: the first one stays, counted once.
    if (IsFinal(static_cast<PageState>(row.Int(0)))) duplicate = true;
  }
  if (duplicate) {
    return ReadJobLocked(job_id, /*with_errors=*/jobs::IsFinal(c.state));
  }
  const int64_t seq = ++c.last_done_seq;
  {
    ASSIGN_OR_RETURN(Stmt update, db_->Prepare(sql::kPageFinish));
    update
        .Bind(job_id, result.index, static_cast<int>(result.state), endpoint,
              result.text, result.mean_confidence, result.ms, result.detail,
              seq)
        .BindBlob(10, result.output);
    RETURN_IF_ERROR(update.Run());
  }
  if (result.state == PageState::kSucceeded) {
    ++c.done;
  } else {
    ++c.failed;
  }
  c.state = JobState::kRunning;  // made final below when it was the last
  ASSIGN_OR_RETURN(const JobState state,
                   WriteCountersLocked(job_id, c, now_ms));
  // The failed pages' list only when the job ended (it grows with the job;
  // reading it at every page would make a job's pages quadratic).
  ASSIGN_OR_RETURN(JobRecord job, ReadJobLocked(job_id, jobs::IsFinal(state)));
  RETURN_IF_ERROR(tx.Commit());
  return job;
}

StatusOr<std::vector<PageResult>> SqliteJobStore::FinishedPages(
    const std::string& job_id, int64_t after_seq, int limit, bool with_output) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(ReadCountersLocked(job_id).status());
  std::vector<PageResult> results;
  if (limit <= 0) return results;
  ASSIGN_OR_RETURN(Stmt rows,
                   db_->Prepare(with_output ? sql::kFinishedPages
                                            : sql::kFinishedPagesNoOutput));
  rows.Bind(job_id, after_seq, limit);
  while (true) {
    ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) return results;
    results.push_back(ReadResult(rows, with_output));
  }
}

StatusOr<std::vector<PageResult>> SqliteJobStore::PageResults(
    const std::string& job_id) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(ReadCountersLocked(job_id).status());
  ASSIGN_OR_RETURN(Stmt rows,
                   db_->Prepare("SELECT idx, page, state, ms, detail, done_seq,"
                                " mean_confidence, text, output FROM pages"
                                " WHERE job_id = ?1 ORDER BY idx"));
  rows.Bind(job_id);
  std::vector<PageResult> results;
  while (true) {
    ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) return results;
    results.push_back(ReadResult(rows, /*with_output=*/true));
  }
}

}  // namespace ocr::jobs
