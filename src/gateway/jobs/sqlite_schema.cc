// The job store's SQLite schema: migrations and the checks at open (see
// sqlite_schema.h).
#include "gateway/jobs/sqlite_schema.h"

namespace ocr::jobs::sqlite {
namespace {

// "OCRJ": marks the file as a job store (PRAGMA application_id).
constexpr int64_t kApplicationId = 0x4f43524a;

// Version 1. States are JobState / PageState numbers. The page's input
// bytes live in their own table, and a page's output is the last column of
// its row, so reading a page's state or the claim order never walks the
// overflow pages of a large blob.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE jobs (
  id TEXT NOT NULL PRIMARY KEY,
  idempotency_key TEXT UNIQUE,  -- NULL: none
  request_digest TEXT NOT NULL,
  filename TEXT NOT NULL,
  media_type TEXT NOT NULL,
  output TEXT NOT NULL,
  callback_url TEXT NOT NULL,
  input_bytes INTEGER NOT NULL,
  state INTEGER NOT NULL,
  split INTEGER NOT NULL DEFAULT 0,
  pages_total INTEGER NOT NULL DEFAULT 0,
  pages_done INTEGER NOT NULL DEFAULT 0,
  pages_failed INTEGER NOT NULL DEFAULT 0,
  last_done_seq INTEGER NOT NULL DEFAULT 0,  -- never decreases
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1,
  webhook_attempts INTEGER NOT NULL DEFAULT 0,
  webhook_delivered INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_unfinished ON jobs (created_ms) WHERE state IN (0, 1);
CREATE INDEX jobs_finished ON jobs (finished_ms) WHERE finished_ms > 0;

CREATE TABLE job_parameters (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (job_id, position)
);

CREATE TABLE pages (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  page INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_endpoint TEXT NOT NULL DEFAULT '',
  ms INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '',
  done_seq INTEGER,  -- NULL until finished
  mean_confidence REAL,
  text TEXT NOT NULL DEFAULT '',
  output BLOB,
  PRIMARY KEY (job_id, idx)
);
CREATE INDEX pages_by_state ON pages (job_id, state, idx);
CREATE UNIQUE INDEX pages_by_done_seq ON pages (job_id, done_seq)
  WHERE done_seq IS NOT NULL;
CREATE INDEX pages_running ON pages (job_id) WHERE state = 1;

CREATE TABLE page_inputs (
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (job_id, idx),
  FOREIGN KEY (job_id, idx) REFERENCES pages (job_id, idx) ON DELETE CASCADE
);
)sql";

std::string Damaged(const std::string& path, const std::string& why) {
  return "job store " + path + " is damaged (" + why +
         "); it was left as it is: move it away to start with an empty job "
         "store, or restore a copy";
}

// PRAGMA quick_check: its findings, or "" when the file is sound.
StatusOr<std::string> QuickCheck(Connection& db) {
  ASSIGN_OR_RETURN(Stmt check, db.Prepare("PRAGMA quick_check(5)"));
  std::string findings;
  while (true) {
    ASSIGN_OR_RETURN(const bool row, check.Step());
    if (!row) break;
    std::string line = check.Bytes(0);
    if (line == "ok") continue;
    if (!findings.empty()) findings += "; ";
    findings += line;
  }
  return findings;
}

}  // namespace

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> migrations = {
      std::string(kSchemaV1) +
          "PRAGMA application_id = " + std::to_string(kApplicationId) + ";",
  };
  return migrations;
}

StatusOr<int> PrepareSchema(Connection& db, const SchemaCheck& check) {
  const std::string& path = db.path();
  // The first read of the file: a file that is not a database fails here.
  StatusOr<int64_t> version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) {
    if (version.status().code() == StatusCode::kInsufficientStorage) {
      return version.status();
    }
    return UnavailableError(Damaged(path, version.status().message()));
  }
  if (check.verify_integrity) {
    StatusOr<std::string> findings = QuickCheck(db);
    if (!findings.ok()) {
      return UnavailableError(Damaged(path, findings.status().message()));
    }
    if (!findings->empty()) {
      return UnavailableError(Damaged(path, "quick_check: " + *findings));
    }
  }
  const int current = CurrentSchemaVersion();
  if (*version > current) {
    return UnavailableError(
        "job store " + path + " has schema version " +
        std::to_string(*version) + ", newer than this gateway's (" +
        std::to_string(current) +
        "): it was written by a newer gateway; run that version, or move "
        "the file away to start with an empty job store");
  }
  ASSIGN_OR_RETURN(const int64_t application,
                   db.QueryInt("PRAGMA application_id"));
  if (*version == 0) {
    ASSIGN_OR_RETURN(const int64_t tables,
                     db.QueryInt("SELECT count(*) FROM sqlite_schema"));
    if (tables > 0 || application != 0) {
      return UnavailableError("job store " + path +
                              " is an SQLite database of something else (it "
                              "has tables but no job store schema); give "
                              "the gateway a --job-dir of its own");
    }
    // Only possible before the first table exists: lets DeleteJob give the
    // freed pages back to the file system (PRAGMA incremental_vacuum).
    RETURN_IF_ERROR(db.Exec("PRAGMA auto_vacuum = INCREMENTAL"));
  } else if (application != kApplicationId) {
    return UnavailableError("job store " + path +
                            " is an SQLite database of something else "
                            "(application_id " +
                            std::to_string(application) +
                            "); give the gateway a --job-dir of its own");
  }
  // WAL: commits append to the log, readers never block the writer, and a
  // crash at any moment leaves the last committed state. Persistent in the
  // file, so set on every open (a no-op after the first).
  {
    ASSIGN_OR_RETURN(Stmt wal, db.Prepare("PRAGMA journal_mode = WAL"));
    ASSIGN_OR_RETURN(const bool has_mode, wal.Step());
    if (!has_mode || wal.Bytes(0) != "wal") {
      return UnavailableError("job store " + path +
                              ": cannot switch to write-ahead logging");
    }
  }
  for (int v = static_cast<int>(*version); v < current; ++v) {
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    Status status = db.Exec(Migrations()[v]);
    if (status.ok()) {
      status = db.Exec("PRAGMA user_version = " + std::to_string(v + 1));
    }
    if (status.ok()) status = tx.Commit();
    if (!status.ok()) {
      return status.WithPrefix("migrating the job store's schema to version " +
                               std::to_string(v + 1));
    }
  }
  return static_cast<int>(*version);
}

std::vector<std::string> HotStatements() {
  return {sql::kClaimSelect,
          sql::kPageMarkRunning,
          sql::kPageState,
          sql::kPageFinish,
          sql::kPageInput,
          sql::kFinishedPages,
          sql::kFinishedPagesNoOutput,
          sql::kJobCounters,
          sql::kJobErrors,
          sql::kUnfinishedJobs,
          sql::kExpiredJobs,
          sql::kJobsWithRunningPages,
          sql::kRequeueRunning};
}

}  // namespace ocr::jobs::sqlite
