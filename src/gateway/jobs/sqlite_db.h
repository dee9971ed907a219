// A thin layer over the SQLite C API for the job store: one connection with
// a cache of prepared statements, statements that reset themselves, an
// IMMEDIATE transaction that rolls back unless committed, and the mapping of
// SQLite result codes to Status (disk full: kInsufficientStorage; I/O,
// locking, corruption: kUnavailable; anything else: kInternal).
// Not thread-safe: SqliteJobStore serialises every use behind its mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace ocr::jobs::sqlite {

// The Status for SQLite result code `rc` (not OK), naming the store's file
// and what was being done.
Status ErrorStatus(int rc, std::string_view detail, std::string_view path,
                   std::string_view doing);

// A cached prepared statement, borrowed for one use: bind, step, read the
// columns; it is reset (and its bindings cleared) when the Stmt goes away.
class Stmt {
 public:
  Stmt(sqlite3_stmt* stmt, const std::string* path) : s_(stmt), path_(path) {}
  Stmt(Stmt&& other) noexcept
      : s_(std::exchange(other.s_, nullptr)), path_(other.path_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Binds parameters 1, 2, ... in order. Text and blobs are bound without
  // a copy: they must outlive the Stmt's use.
  template <typename... Args>
  Stmt& Bind(const Args&... args) {
    int i = 0;
    (BindOne(++i, args), ...);
    return *this;
  }
  // A blob (std::string holding bytes) at parameter `i`.
  Stmt& BindBlob(int i, std::string_view bytes);

  // One step: true when a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to the end (a statement without results).
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Double(int col) const { return sqlite3_column_double(s_, col); }
  bool IsNull(int col) const {
    return sqlite3_column_type(s_, col) == SQLITE_NULL;
  }
  // Text or blob column as bytes.
  std::string Bytes(int col) const;

 private:
  void BindOne(int i, int64_t v);
  void BindOne(int i, int v) { BindOne(i, static_cast<int64_t>(v)); }
  void BindOne(int i, bool v) { BindOne(i, static_cast<int64_t>(v)); }
  void BindOne(int i, std::string_view text);
  void BindOne(int i, const std::string& text) {
    BindOne(i, std::string_view(text));
  }
  void BindOne(int i, const char* text) { BindOne(i, std::string_view(text)); }
  void BindOne(int i, const std::optional<double>& v);
  void BindOne(int i, std::nullopt_t);
  // NULL when nullopt.
  void BindOne(int i, const std::optional<std::string_view>& text);

  sqlite3_stmt* s_;
  const std::string* path_;
};

class Connection {
 public:
  // Opens (creating when missing) the database file at `path`.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The statement for `sql`, prepared once and cached (keyed by the text).
  StatusOr<Stmt> Prepare(const std::string& sql);
  // Runs one or more statements that return no rows, uncached.
  Status Exec(const std::string& sql);
  // The integer answer of a one-value query such as "PRAGMA user_version".
  StatusOr<int64_t> QueryInt(const std::string& sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  const std::string& path() const { return path_; }
  sqlite3* db() const { return db_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// BEGIN IMMEDIATE (the write lock at once, so a read-then-write never meets
// a busy upgrade); rolled back when it goes away uncommitted, or when a
// statement inside failed and SQLite left it half done.
class Transaction {
 public:
  static StatusOr<Transaction> Begin(Connection& db);
  Transaction(Transaction&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

}  // namespace ocr::jobs::sqlite
