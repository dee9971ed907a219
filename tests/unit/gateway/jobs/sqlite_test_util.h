// Helpers of the SQLite job store's own tests: a temporary directory, files
// as bytes, and SQL run on the file through a separate raw connection (to
// tamper with it or look at it as an operator would).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "gateway/jobs/sqlite_job_store.h"
#include "job_store_suite.h"

namespace ocr::jobs::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "sqlite-store-XXXXXX")
            .string();
    EXPECT_NE(mkdtemp(templ.data()), nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<SqliteJobStore> OpenOrDie(
    const std::string& path,
    SqliteJobStore::Options options = SqliteJobStore::Options()) {
  StatusOr<std::unique_ptr<SqliteJobStore>> store =
      SqliteJobStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// A sealed job of `pages` pages of `size` bytes.
inline std::string MakeJob(JobStore& store, int pages, size_t size) {
  bool created = false;
  StatusOr<JobRecord> job = store.CreateJob(Spec(), 1, &created);
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  if (!job.ok()) return "";
  EXPECT_TRUE(store.AddPages(job->spec.id, Pages(0, pages, size)).ok());
  EXPECT_TRUE(store.SealSplit(job->spec.id, pages, 1).ok());
  return job->spec.id;
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs `sql` on the file through a connection of its own; returns the rows,
// one a line, columns separated by '|'.
inline std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string rows;
  char* error = nullptr;
  const int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int n, char** values, char**) {
        auto& text = *static_cast<std::string*>(out);
        for (int i = 0; i < n; ++i) {
          if (i > 0) text += '|';
          text += values[i] != nullptr ? values[i] : "NULL";
        }
        text += '\n';
        return 0;
      },
      &rows, &error);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  if (!rows.empty() && rows.back() == '\n') rows.pop_back();
  return rows;
}

inline void RawExec(const std::string& path, const std::string& sql) {
  (void)RawQuery(path, sql);
}

// EXPLAIN QUERY PLAN of `sql`: its steps' details, one a line.
inline std::string RawQueryPlan(const std::string& path,
                                const std::string& sql) {
  std::istringstream rows(RawQuery(path, "EXPLAIN QUERY PLAN " + sql));
  std::string plan;
  for (std::string row; std::getline(rows, row);) {
    plan += row.substr(row.rfind('|') + 1) + "\n";  // id|parent|0|detail
  }
  return plan;
}

}  // namespace ocr::jobs::testing
