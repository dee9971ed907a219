// The SQLite job store on a full disk, two ways: a size limit on the
// database (PRAGMA max_page_count, Options::max_size_bytes), and a real
// full file system (a 1 MiB tmpfs mounted in a mount namespace of the test's
// own; skipped where the test may not mount). Either way new work is refused
// with kInsufficientStorage, and a job stored before stays readable, then
// finishable once there is room again.
#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "sqlite_test_util.h"

namespace ocr::jobs::testing {
namespace {

void ExpectFull(const Status& status) {
  EXPECT_EQ(status.code(), StatusCode::kInsufficientStorage)
      << status.ToString();
  EXPECT_NE(status.message().find("the job store's disk is full"),
            std::string::npos)
      << status.message();
}

struct Before {
  std::string id;
  JobRecord job;
  std::vector<PageResult> results;
};

// Job A: 4 pages, one finished. Then jobs of large, then smaller pages
// until the store is full: AddPages and then CreateJob must say so.
Before FillUntilFull(JobStore& store) {
  Before before;
  before.id = MakeJob(store, 4, 2000);
  EXPECT_EQ(store.ClaimPages(before.id, 1, 2)->size(), 1u);
  EXPECT_TRUE(store.FinishPage(before.id, Succeeded(0), "ep", 3).ok());
  before.job = *store.GetJob(before.id);
  before.results = *store.PageResults(before.id);

  Status add;
  for (size_t size : {65536, 4096, 256}) {
    for (int i = 0; i < 1000; ++i) {
      bool created = false;
      StatusOr<JobRecord> job = store.CreateJob(Spec(), 4, &created);
      if (!job.ok()) break;  // full already
      add = store.AddPages(job->spec.id, Pages(0, 4, size));
      if (!add.ok()) {
        // The failed batch left nothing behind.
        EXPECT_TRUE(store.PageResults(job->spec.id)->empty());
        break;
      }
    }
  }
  ExpectFull(add);
  Status create;
  for (int i = 0; i < 10000 && create.ok(); ++i) {
    JobSpec spec = Spec();
    spec.filename = std::string(2000, 'f');
    bool created = false;
    create = store.CreateJob(spec, 5, &created).status();
  }
  ExpectFull(create);
  std::cout << "[ store    ] when full: AddPages: " << add.ToString()
            << "\n[ store    ] CreateJob: " << create.ToString() << "\n";
  return before;
}

// While full: job A reads as before; finishing a page either works or says
// the disk is full and changes nothing.
void ExpectReadable(JobStore& store, const Before& before) {
  EXPECT_EQ(*store.GetJob(before.id), before.job);
  EXPECT_EQ(*store.PageResults(before.id), before.results);
  EXPECT_EQ(store.LoadPageInput(before.id, 3)->bytes, PageBytes(3, 2000));
  EXPECT_TRUE(store.UnfinishedJobs().ok());
}

// With room again: job A finishes.
void ExpectFinishable(JobStore& store, const Before& before) {
  EXPECT_EQ(*store.PageResults(before.id), before.results);
  ASSERT_TRUE(store.RequeueRunning().ok());
  StatusOr<std::vector<PageTask>> tasks = store.ClaimPages(before.id, 10, 6);
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  EXPECT_EQ(tasks->size(), 3u);
  for (const PageTask& task : *tasks) {
    ASSERT_TRUE(
        store.FinishPage(before.id, Succeeded(task.index), "ep", 7).ok());
  }
  EXPECT_EQ(store.GetJob(before.id)->state, JobState::kSucceeded);
}

TEST(SqliteJobStoreFullTest, ASizeLimitActsAsAFullDisk) {
  TempDir dir;
  const std::string path = dir.path() + "/jobs.sqlite3";
  SqliteJobStore::Options options;
  options.max_size_bytes = 2 << 20;
  auto store = OpenOrDie(path, options);
  const Before before = FillUntilFull(*store);
  ExpectReadable(*store, before);
  PageResult result = Succeeded(1, std::string(1 << 20, 'x'));
  StatusOr<JobRecord> finish = store->FinishPage(before.id, result, "ep", 9);
  ExpectFull(finish.status());
  EXPECT_EQ(*store->GetJob(before.id), before.job);
  // A store opened without the limit has the room.
  store.reset();
  store = OpenOrDie(path);
  ExpectReadable(*store, before);
  ExpectFinishable(*store, before);
}

TEST(SqliteJobStoreFullTest, ARealFullFileSystemIsReportedAndSurvived) {
  TempDir dir;
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): "
                 << std::strerror(errno);
  }
  const std::string path = dir.path() + "/jobs.sqlite3";
  {
    auto store = OpenOrDie(path);
    const Before before = FillUntilFull(*store);
    ExpectReadable(*store, before);
    store.reset();  // closing on a full disk
    store = OpenOrDie(path);
    ExpectReadable(*store, before);
    // Room again: the file system grows.
    ASSERT_EQ(
        mount("tmpfs", dir.path().c_str(), "tmpfs", MS_REMOUNT, "size=16m"), 0)
        << std::strerror(errno);
    ExpectFinishable(*store, before);
    store.reset();
    store = OpenOrDie(path);
    EXPECT_EQ(store->GetJob(before.id)->state, JobState::kSucceeded);
  }
  EXPECT_EQ(umount2(dir.path().c_str(), MNT_DETACH), 0);
}

}  // namespace
}  // namespace ocr::jobs::testing
