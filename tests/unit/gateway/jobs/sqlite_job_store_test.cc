// The SQLite job store: the store suite on it, and what only a file has:
// damaged, foreign and newer-schema files at open, space given back after a
// delete, indexes behind the per-page statements, and the time per page of
// a 10,000-page job. (A full disk: sqlite_job_store_full_test.cc.)
#include "gateway/jobs/sqlite_job_store.h"

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>

#include "gateway/jobs/sqlite_schema.h"
#include "job_store_suite.h"
#include "sqlite_test_util.h"

namespace ocr::jobs::testing {
namespace {

JobStoreBackend SqliteBackend() {
  return {"Sqlite",
          [](const std::string& dir) -> StatusOr<std::unique_ptr<JobStore>> {
            ASSIGN_OR_RETURN(std::unique_ptr<SqliteJobStore> store,
                             SqliteJobStore::Open(dir + "/jobs.sqlite3"));
            return std::unique_ptr<JobStore>(std::move(store));
          },
          [](const std::string& dir) {
            const std::string path = dir + "/jobs.sqlite3";
            EXPECT_EQ(RawQuery(path, "PRAGMA integrity_check"), "ok");
            EXPECT_EQ(RawQuery(path, "PRAGMA foreign_key_check"), "");
          }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreTest,
                         ::testing::Values(SqliteBackend()), BackendName);

TEST(SqliteJobStoreTest, CreatesAMissingFileThenOpensIt) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  {
    auto store = OpenOrDie(path);
    EXPECT_EQ(store->opened_schema_version(), 0);
  }
  auto store = OpenOrDie(path);
  EXPECT_EQ(store->opened_schema_version(), sqlite::CurrentSchemaVersion());
  EXPECT_EQ(RawQuery(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(path, "PRAGMA auto_vacuum"), "2");  // incremental
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"),
            std::to_string(sqlite::CurrentSchemaVersion()));
}

TEST(SqliteJobStoreTest, AMissingDirectoryIsUnavailable) {
  StatusOr<std::unique_ptr<SqliteJobStore>> store =
      SqliteJobStore::Open("/nonexistent-dir/jobs.sqlite3");
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("/nonexistent-dir/jobs.sqlite3"),
            std::string::npos);
}

// Opening `path` fails with kUnavailable, saying `says`, and leaves the
// file as it was.
void ExpectRefused(const std::string& path, const std::string& says) {
  const std::string before = ReadBytes(path);
  StatusOr<std::unique_ptr<SqliteJobStore>> store = SqliteJobStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find(says), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find(path), std::string::npos);
  EXPECT_EQ(ReadBytes(path), before) << "the file was changed";
}

TEST(SqliteJobStoreTest, AFileOfGarbageIsReportedNotReplaced) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  std::mt19937 rng(7);
  std::string garbage(65536, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  WriteBytes(path, garbage);
  ExpectRefused(path, "is damaged");
}

// A store with a few jobs of many pages, closed cleanly (no -wal left).
std::string StoreWithData(const TempDir& dir) {
  const std::string path = dir.path() + "/jobs.sqlite3";
  auto store = OpenOrDie(path);
  for (int j = 0; j < 3; ++j) {
    bool created = false;
    const std::string id = store->CreateJob(Spec(), 1, &created)->spec.id;
    EXPECT_TRUE(store->AddPages(id, Pages(0, 100, 3000)).ok());
  }
  return path;
}

TEST(SqliteJobStoreTest, ATruncatedFileIsReported) {
  TempDir dir;
  const std::string path = StoreWithData(dir);
  std::string bytes = ReadBytes(path);
  ASSERT_GT(bytes.size(), 300000u);
  WriteBytes(path, bytes.substr(0, bytes.size() / 2));
  ExpectRefused(path, "is damaged");
}

TEST(SqliteJobStoreTest, AnOverwrittenPageIsReported) {
  TempDir dir;
  const std::string path = StoreWithData(dir);
  std::string bytes = ReadBytes(path);
  // Page 3 (4 KiB pages): a b-tree page of the schema's first tables.
  for (size_t i = 2 * 4096; i < 3 * 4096; ++i) bytes[i] = '\x5a';
  WriteBytes(path, bytes);
  ExpectRefused(path, "is damaged");
}

TEST(SqliteJobStoreTest, ASchemaFromANewerGatewayIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  OpenOrDie(path).reset();
  RawExec(path, "PRAGMA user_version = " +
                    std::to_string(sqlite::CurrentSchemaVersion() + 1));
  ExpectRefused(path, "newer than this gateway's");
}

TEST(SqliteJobStoreTest, AnotherApplicationsDatabaseIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  RawExec(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)");
  ExpectRefused(path, "something else");
}

TEST(SqliteJobStoreTest, DeletingAJobGivesItsSpaceBack) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  auto store = OpenOrDie(path);
  const std::string keep = MakeJob(*store, 10, 1000);
  bool created = false;
  const std::string big = store->CreateJob(Spec(), 1, &created)->spec.id;
  for (int first = 0; first < 2000; first += 200) {
    ASSERT_TRUE(store->AddPages(big, Pages(first, 200, 10240)).ok());
  }
  const int64_t full = *store->FileBytes();
  EXPECT_GT(full, 20 << 20);
  ASSERT_TRUE(store->DeleteJob(big).ok());
  const int64_t after = *store->FileBytes();
  std::cout << "[ store    ] file of a 20 MB job: " << full << " bytes; after "
            << "DeleteJob: " << after << " bytes\n";
  EXPECT_LT(after, 1 << 20);
  EXPECT_EQ(store->LoadPageInput(keep, 9)->bytes, PageBytes(9, 1000));
  store.reset();
  EXPECT_LT(ReadBytes(path).size(), size_t{1} << 20);
  OpenOrDie(path);  // and it is sound (quick_check at open)
}

TEST(SqliteJobStoreTest, PerPageStatementsSearchIndexes) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  OpenOrDie(path).reset();
  for (const std::string& sql : sqlite::HotStatements()) {
    const std::string plan = RawQueryPlan(path, sql);
    SCOPED_TRACE(sql + "\n" + plan);
    // A search by key, or a walk of a partial index (which holds only the
    // rows asked for): never a table scan or a sort.
    std::istringstream lines(plan);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("SCAN") != std::string::npos) {
        EXPECT_TRUE(line.find("jobs_unfinished") != std::string::npos ||
                    line.find("pages_running") != std::string::npos)
            << line;
      }
      EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << line;
    }
  }
}

double MicrosPer(std::chrono::steady_clock::duration d, int n) {
  return std::chrono::duration<double, std::micro>(d).count() / n;
}

// Adds `pages` pages of 10 KB in batches of 100, then claims 16 at a time,
// loads and finishes every page; prints the time per page (no assertion on
// speed: the machine decides).
void TimeAJob(int pages, bool full_sync) {
  const int kPages = pages;
  TempDir dir;
  SqliteJobStore::Options options;
  options.full_sync = full_sync;
  auto store = OpenOrDie(dir.path() + "/jobs.sqlite3", options);
  bool created = false;
  const std::string id = store->CreateJob(Spec(), 1, &created)->spec.id;
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  for (int first = 0; first < kPages; first += 100) {
    ASSERT_TRUE(store->AddPages(id, Pages(first, 100, 10240)).ok());
  }
  ASSERT_TRUE(store->SealSplit(id, kPages, 2).ok());
  const auto added = Clock::now() - start;
  Clock::duration claiming{}, loading{}, finishing{};
  const std::string output(2048, 'o');
  int finished = 0;
  while (true) {
    start = Clock::now();
    StatusOr<std::vector<PageTask>> tasks = store->ClaimPages(id, 16, 3);
    claiming += Clock::now() - start;
    ASSERT_TRUE(tasks.ok());
    if (tasks->empty()) break;
    for (const PageTask& task : *tasks) {
      start = Clock::now();
      ASSERT_EQ(store->LoadPageInput(id, task.index)->bytes.size(), 10240u);
      loading += Clock::now() - start;
      start = Clock::now();
      ASSERT_TRUE(
          store->FinishPage(id, Succeeded(task.index, output), "ep", 4).ok());
      finishing += Clock::now() - start;
      ++finished;
    }
  }
  EXPECT_EQ(finished, kPages);
  EXPECT_EQ(store->GetJob(id)->state, JobState::kSucceeded);
  std::cout << "[ store    ] " << kPages << " pages of 10 KB, synchronous="
            << (full_sync ? "FULL" : "NORMAL")
            << ", per page: AddPages (batches of 100) "
            << MicrosPer(added, kPages) << " us, ClaimPages (16 at a time) "
            << MicrosPer(claiming, kPages) << " us, LoadPageInput "
            << MicrosPer(loading, kPages) << " us, FinishPage "
            << MicrosPer(finishing, kPages) << " us\n";
}

// 10,000 pages with synchronous=NORMAL show how the per-page statements
// scale (no fsync in the way); with FULL (the default) every commit waits
// for an fsync of the log, a cost per commit that 1,000 pages measure as
// well (10,000 take a minute on a VM's disk).
TEST(SqliteJobStoreTest, TimePerPageOfATenThousandPageJob) {
  TimeAJob(10000, /*full_sync=*/false);
  TimeAJob(1000, /*full_sync=*/true);
}

}  // namespace
}  // namespace ocr::jobs::testing
