// The SQLite connection, cached statements, transactions and error mapping
// of the job store (see sqlite_db.h).
#include "gateway/jobs/sqlite_db.h"

#include <memory>

namespace ocr::jobs::sqlite {

namespace {

// "INSERT INTO pages" of "INSERT INTO pages (job_id, ...": what a failed
// statement was doing, without the whole statement.
std::string_view Abbreviate(std::string_view sql) {
  size_t end = 0;
  for (int words = 0; words < 3 && end != std::string_view::npos; ++words) {
    end = sql.find(' ', end + 1);
  }
  return sql.substr(0, end);
}

}  // namespace

Status ErrorStatus(int rc, std::string_view detail, std::string_view path,
                   std::string_view doing) {
  std::string where = "job store " + std::string(path) + ": " +
                      std::string(Abbreviate(doing)) + ": " +
                      std::string(detail);
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_FULL:
      return InsufficientStorageError(
          "the job store's disk is full (" + where +
          "); free space or move --job-dir to a larger disk");
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
      return UnavailableError(where);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return UnavailableError(where + " (the database file is damaged)");
    default:
      return InternalError(where);
  }
}

Stmt::~Stmt() {
  if (s_ == nullptr) return;
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

void Stmt::BindOne(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }

void Stmt::BindOne(int i, std::string_view text) {
  // A non-null pointer even for "", so the value is '' and not NULL.
  sqlite3_bind_text64(s_, i, text.empty() ? "" : text.data(), text.size(),
                      SQLITE_STATIC, SQLITE_UTF8);
}

void Stmt::BindOne(int i, const std::optional<double>& v) {
  if (v) {
    sqlite3_bind_double(s_, i, *v);
  } else {
    sqlite3_bind_null(s_, i);
  }
}

void Stmt::BindOne(int i, std::nullopt_t) { sqlite3_bind_null(s_, i); }

void Stmt::BindOne(int i, const std::optional<std::string_view>& text) {
  if (text) {
    BindOne(i, *text);
  } else {
    sqlite3_bind_null(s_, i);
  }
}

Stmt& Stmt::BindBlob(int i, std::string_view bytes) {
  sqlite3_bind_blob64(s_, i, bytes.empty() ? "" : bytes.data(), bytes.size(),
                      SQLITE_STATIC);
  return *this;
}

StatusOr<bool> Stmt::Step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(s_);
  return ErrorStatus(sqlite3_extended_errcode(db), sqlite3_errmsg(db), *path_,
                     sqlite3_sql(s_));
}

Status Stmt::Run() {
  while (true) {
    ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) return OkStatus();
  }
}

std::string Stmt::Bytes(int col) const {
  const void* data = sqlite3_column_blob(s_, col);
  const int size = sqlite3_column_bytes(s_, col);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                          SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                      nullptr);
  if (rc != SQLITE_OK) {
    Status status =
        ErrorStatus(rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                    path, "opening");
    sqlite3_close_v2(db);
    return status;
  }
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  // The last connection's close checkpoints the WAL and removes it.
  sqlite3_close_v2(db_);
}

StatusOr<Stmt> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return ErrorStatus(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_),
                         path_, "preparing " + sql);
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(it->second, &path_);
}

Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return OkStatus();
  std::string detail = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return ErrorStatus(sqlite3_extended_errcode(db_), detail, path_, sql);
}

StatusOr<int64_t> Connection::QueryInt(const std::string& sql) {
  ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
  ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return InternalError("job store: no answer to " + sql);
  return stmt.Int(0);
}

StatusOr<Transaction> Transaction::Begin(Connection& db) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) {
    // Best effort: when the rollback itself fails, SQLite rolls back the
    // hot journal at the next open.
    (void)db_->Exec("ROLLBACK");
  }
}

Status Transaction::Commit() {
  Connection* db = std::exchange(db_, nullptr);
  Status status = db->Exec("COMMIT");
  // A failed COMMIT (disk full, I/O) may leave the transaction open.
  if (!status.ok() && db->InTransaction()) (void)db->Exec("ROLLBACK");
  return status;
}

}  // namespace ocr::jobs::sqlite
