// The job store's schema on SQLite: its ordered migrations (plain SQL, the
// same tables a PostgreSQL store will have), the checks made when the file
// is opened (integrity, that it is a job store, that its schema is not from
// a newer build), and the SQL of the hot statements (kept here so a test
// can check that each one searches an index instead of scanning a table).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "gateway/jobs/sqlite_db.h"

namespace ocr::jobs::sqlite {

// Migration i brings the schema from version i to i + 1 (PRAGMA
// user_version holds the version). Append only: never edit a shipped one.
const std::vector<std::string>& Migrations();
inline int CurrentSchemaVersion() {
  return static_cast<int>(Migrations().size());
}

struct SchemaCheck {
  bool verify_integrity = true;  // PRAGMA quick_check before anything else
};

// Checks the opened file and applies the migrations it lacks, each in its
// own transaction with its new user_version. Errors say what is wrong with
// the file and what to do; a damaged file is reported, never replaced.
// Returns the schema version found before migrating (0: a new file).
StatusOr<int> PrepareSchema(Connection& db, const SchemaCheck& check);

// The hot statements (the ones run per page).
namespace sql {
inline constexpr char kClaimSelect[] =
    "SELECT idx, page, attempts, last_endpoint FROM pages "
    "WHERE job_id = ?1 AND state = 0 ORDER BY idx LIMIT ?2";
inline constexpr char kPageMarkRunning[] =
    "UPDATE pages SET state = 1 WHERE job_id = ?1 AND idx = ?2";
inline constexpr char kPageState[] =
    "SELECT state FROM pages WHERE job_id = ?1 AND idx = ?2";
inline constexpr char kPageFinish[] =
    "UPDATE pages SET state = ?3, attempts = attempts + 1, last_endpoint = ?4,"
    " text = ?5, mean_confidence = ?6, ms = ?7, detail = ?8, done_seq = ?9,"
    " output = ?10 WHERE job_id = ?1 AND idx = ?2";
inline constexpr char kPageInput[] =
    "SELECT media_type, bytes FROM page_inputs WHERE job_id = ?1 AND idx = ?2";
inline constexpr char kFinishedPages[] =
    "SELECT idx, page, state, ms, detail, done_seq, mean_confidence, text,"
    " output FROM pages WHERE job_id = ?1 AND done_seq > ?2"
    " ORDER BY done_seq LIMIT ?3";
inline constexpr char kFinishedPagesNoOutput[] =
    "SELECT idx, page, state, ms, detail, done_seq, mean_confidence, text"
    " FROM pages WHERE job_id = ?1 AND done_seq > ?2 ORDER BY done_seq"
    " LIMIT ?3";
inline constexpr char kJobCounters[] =
    "SELECT state, split, pages_total, pages_done, pages_failed, last_done_seq"
    " FROM jobs WHERE id = ?1";
inline constexpr char kJobErrors[] =
    "SELECT page, detail FROM pages WHERE job_id = ?1 AND state = 3"
    " ORDER BY idx";
inline constexpr char kUnfinishedJobs[] =
    "SELECT id FROM jobs WHERE state IN (0, 1) ORDER BY created_ms, rowid";
inline constexpr char kExpiredJobs[] =
    "SELECT id FROM jobs WHERE finished_ms > 0 AND finished_ms < ?1"
    " ORDER BY finished_ms";
inline constexpr char kJobsWithRunningPages[] =
    "UPDATE jobs SET version = version + 1 WHERE id IN"
    " (SELECT DISTINCT job_id FROM pages INDEXED BY pages_running"
    " WHERE state = 1)";
inline constexpr char kRequeueRunning[] =
    "UPDATE pages INDEXED BY pages_running SET state = 0 WHERE state = 1";
}  // namespace sql

// Every statement above, for the query-plan test.
std::vector<std::string> HotStatements();

}  // namespace ocr::jobs::sqlite
