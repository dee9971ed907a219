// The job store suite (job_store_suite.h), part 3: a crash at any moment.
// A child process (fork) works on the store in a loop (creating jobs,
// adding pages, claiming and finishing them) and reports each FinishPage
// that returned OK through a pipe; it is SIGKILLed at a random moment,
// several rounds. After each, the store is reopened and must be consistent,
// with every reported page there byte for byte.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "job_store_suite.h"

namespace ocr::jobs::testing {
namespace {

constexpr int kPagesPerJob = 20;

uint64_t Hash(const std::string& job_id, int index) {
  return std::hash<std::string>()(job_id + "/" + std::to_string(index));
}

// What the child stores for a page: a function of the job and page alone,
// so the parent can check any finished page, reported or not.
PageResult ResultFor(const std::string& job_id, int index) {
  const uint64_t h = Hash(job_id, index);
  if (h % 6 == 0) return Failed(index);
  return Succeeded(index, PageBytes(static_cast<int>(h % 251),
                                    1 + static_cast<size_t>(h % 20000)));
}

std::string InputFor(const std::string& job_id, int index) {
  const uint64_t h = Hash(job_id, index);
  return PageBytes(static_cast<int>(h % 97),
                   1 + static_cast<size_t>(h % 30000));
}

void Say(int fd, const std::string& line) {
  // One write of less than PIPE_BUF bytes: all of it or nothing.
  if (write(fd, line.data(), line.size()) < 0) _exit(3);
}

[[noreturn]] void ChildWork(const JobStoreBackend& backend,
                            const std::string& dir, int fd, uint32_t seed) {
  StatusOr<std::unique_ptr<JobStore>> opened = backend.open(dir);
  if (!opened.ok()) {
    Say(fd, "E " + opened.status().ToString() + "\n");
    _exit(1);
  }
  JobStore& store = **opened;
  std::mt19937 rng(seed);
  auto fail = [fd](const Status& status) {
    Say(fd, "E " + status.ToString() + "\n");
    _exit(1);
  };
  while (true) {
    bool worked = false;
    StatusOr<std::vector<std::string>> ids = store.UnfinishedJobs();
    if (!ids.ok()) fail(ids.status());
    for (const std::string& id : *ids) {
      StatusOr<std::vector<PageTask>> tasks = store.ClaimPages(id, 4, 1);
      if (!tasks.ok()) fail(tasks.status());
      for (const PageTask& task : *tasks) {
        StatusOr<JobRecord> job =
            store.FinishPage(id, ResultFor(id, task.index), "ep", 2);
        if (!job.ok()) fail(job.status());
        Say(fd, "P " + id + " " + std::to_string(task.index) + "\n");
      }
      if (!tasks->empty()) {
        worked = true;
        break;
      }
    }
    if (worked && rng() % 4 != 0) continue;
    bool created = false;
    StatusOr<JobRecord> job = store.CreateJob(Spec(), 1, &created);
    if (!job.ok()) fail(job.status());
    const std::string id = job->spec.id;
    for (int first = 0; first < kPagesPerJob; first += kPagesPerJob / 2) {
      auto pages = Pages(first, kPagesPerJob / 2);
      for (auto& [task, input] : pages) input.bytes = InputFor(id, task.index);
      if (Status s = store.AddPages(id, pages); !s.ok()) fail(s);
    }
    if (Status s = store.SealSplit(id, kPagesPerJob, 1); !s.ok()) fail(s);
    Say(fd, "J " + id + "\n");
  }
}

// Checks one job against what the child would have stored.
void ExpectConsistent(JobStore& store, const std::string& id, int* finished) {
  SCOPED_TRACE("job " + id);
  StatusOr<JobRecord> job = store.GetJob(id);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  StatusOr<std::vector<PageResult>> pages = store.PageResults(id);
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();
  int done = 0, failed = 0;
  std::set<int64_t> seqs;
  std::vector<PageResult> by_seq;
  for (const PageResult& page : *pages) {
    StatusOr<PageInput> input = store.LoadPageInput(id, page.index);
    ASSERT_TRUE(input.ok()) << input.status().ToString();
    EXPECT_EQ(input->bytes, InputFor(id, page.index)) << page.index;
    if (page.state != PageState::kSucceeded &&
        page.state != PageState::kFailed) {
      EXPECT_EQ(page.done_seq, 0);
      continue;
    }
    PageResult want = ResultFor(id, page.index);
    want.done_seq = page.done_seq;
    EXPECT_EQ(page, want) << "page " << page.index;
    page.state == PageState::kSucceeded ? ++done : ++failed;
    EXPECT_TRUE(seqs.insert(page.done_seq).second) << page.done_seq;
    EXPECT_GT(page.done_seq, 0);
    by_seq.push_back(page);
  }
  EXPECT_EQ(job->pages_done, done);
  EXPECT_EQ(job->pages_failed, failed);
  std::sort(by_seq.begin(), by_seq.end(),
            [](const PageResult& a, const PageResult& b) {
              return a.done_seq < b.done_seq;
            });
  EXPECT_EQ(*store.FinishedPages(id, 0, 1000, true), by_seq);
  if (job->split) {
    EXPECT_EQ(job->pages_total, kPagesPerJob);
    EXPECT_EQ(static_cast<int>(pages->size()), kPagesPerJob);
  }
  const bool all = job->split && done + failed == job->pages_total;
  EXPECT_EQ(IsFinal(job->state), all) << Name(job->state);
  if (all) {
    EXPECT_EQ(job->state, done == 0     ? JobState::kFailed
                          : failed == 0 ? JobState::kSucceeded
                                        : JobState::kPartiallySucceeded);
  }
  *finished += done + failed;
}

TEST_P(JobStoreTest, SigkillAtAnyMomentLosesNothingCommitted) {
  const uint32_t seed = std::random_device()();
  RecordProperty("seed", static_cast<int>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::set<std::string> reported_jobs;
  std::set<std::pair<std::string, int>> reported_pages;
  int finished_before = 0;
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    store_.reset();  // the child opens its own
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      ChildWork(GetParam(), dir_, fds[1], rng());
    }
    close(fds[1]);
    const int wait_ms = 50 + static_cast<int>(rng() % 400);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    std::string said;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0)
      said.append(buffer, n);
    close(fds[0]);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the child ended by itself: " << said;
    std::istringstream lines(said);
    std::string kind, id;
    while (lines >> kind) {
      if (kind == "E") {
        std::string rest;
        std::getline(lines, rest);
        ADD_FAILURE() << "child: " << rest;
      } else if (kind == "J" && lines >> id) {
        reported_jobs.insert(id);
      } else if (int index = 0; kind == "P" && lines >> id >> index) {
        reported_pages.emplace(id, index);
      }
    }

    if (GetParam().check_closed) GetParam().check_closed(dir_);
    Reopen();
    std::set<std::string> ids;
    for (const auto& list :
         {*store_->UnfinishedJobs(),
          *store_->ExpiredJobs(std::numeric_limits<int64_t>::max())}) {
      ids.insert(list.begin(), list.end());
    }
    for (const std::string& job : reported_jobs) {
      EXPECT_TRUE(ids.count(job)) << "reported job lost: " << job;
      StatusOr<JobRecord> record = store_->GetJob(job);
      ASSERT_TRUE(record.ok()) << job;
      EXPECT_TRUE(record->split);
    }
    int finished = 0;
    for (const std::string& job : ids) {
      ExpectConsistent(*store_, job, &finished);
    }
    for (const auto& [job, index] : reported_pages) {
      StatusOr<std::vector<PageResult>> pages = store_->PageResults(job);
      ASSERT_TRUE(pages.ok()) << job;
      ASSERT_LT(index, static_cast<int>(pages->size()));
      EXPECT_NE((*pages)[index].done_seq, 0)
          << "reported page lost: " << job << " " << index;
    }
    EXPECT_GE(finished, finished_before);
    finished_before = finished;
    ASSERT_TRUE(store_->RequeueRunning().ok());
  }
  std::cout << "[ store    ] after 8 kills: " << reported_jobs.size()
            << " jobs and " << reported_pages.size()
            << " finished pages reported, " << finished_before
            << " pages finished in the store\n";
  EXPECT_GT(reported_pages.size(), 0u);
}

}  // namespace
}  // namespace ocr::jobs::testing
