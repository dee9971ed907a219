// The job store suite (job_store_suite.h), part 2: finishing pages (the
// counters, every final state, late duplicates, versions) and reading the
// results (the done_seq cursor, page order); callers on many threads.
#include <thread>

#include "job_store_suite.h"

namespace ocr::jobs::testing {
namespace {

struct Mix {
  const char* name;
  std::vector<bool> succeeds;  // per page
  JobState final_state;
};

TEST_P(JobStoreTest, FinishPageCountsAndEndsTheJobForEveryMix) {
  const std::vector<Mix> mixes = {
      {"all succeeded", {true, true, true}, JobState::kSucceeded},
      {"some failed", {true, false, true}, JobState::kPartiallySucceeded},
      {"first failed", {false, true, true}, JobState::kPartiallySucceeded},
      {"all failed", {false, false, false}, JobState::kFailed},
      {"one page read", {true}, JobState::kSucceeded},
      {"one page failed", {false}, JobState::kFailed},
  };
  for (const Mix& mix : mixes) {
    SCOPED_TRACE(mix.name);
    const int n = static_cast<int>(mix.succeeds.size());
    const std::string id = NewJob(n);
    EXPECT_EQ(static_cast<int>(Claim(id, n).size()), n);
    int done = 0, failed = 0;
    std::vector<PageError> errors;
    // Finished last to first: the order of finishing does not matter.
    for (int i = n - 1; i >= 0; --i) {
      const int64_t version = Get(id).version;
      const PageResult r = mix.succeeds[i] ? Succeeded(i) : Failed(i);
      const JobRecord job = Finish(id, r, 5000 + i);
      mix.succeeds[i] ? ++done : ++failed;
      if (!mix.succeeds[i]) errors.insert(errors.begin(), {i + 1, r.detail});
      EXPECT_EQ(job.pages_done, done);
      EXPECT_EQ(job.pages_failed, failed);
      EXPECT_GT(job.version, version);
      EXPECT_EQ(job.updated_ms, 5000 + i);
      if (i > 0) {
        EXPECT_EQ(job.state, JobState::kRunning);
        EXPECT_EQ(job.finished_ms, 0);
      } else {
        EXPECT_EQ(job.state, mix.final_state) << Name(job.state);
        EXPECT_EQ(job.finished_ms, 5000);
        EXPECT_EQ(job.errors, errors);  // in page order
        EXPECT_EQ(Get(id), job);
      }
    }
  }
}

TEST_P(JobStoreTest, APageFinishedTwiceCountsOnce) {
  const std::string id = NewJob(2);
  Claim(id, 2);
  const JobRecord first = Finish(id, Succeeded(0, "first answer"));
  // The late duplicate (success or failure) changes nothing at all.
  EXPECT_EQ(Finish(id, Succeeded(0, "second answer"), 9999), first);
  EXPECT_EQ(Finish(id, Failed(0), 9999), first);
  EXPECT_EQ(Get(id), first);
  EXPECT_EQ(first.pages_done, 1);
  const JobRecord last = Finish(id, Succeeded(1));
  EXPECT_EQ(last.state, JobState::kSucceeded);
  EXPECT_EQ(Finish(id, Failed(1), 9999), last);
  const auto results = *store_->PageResults(id);
  EXPECT_EQ(results[0].output, "first answer");
  EXPECT_EQ(results[0].done_seq, 1);
  EXPECT_EQ(results[1].done_seq, 2);
}

TEST_P(JobStoreTest, FinishPageRefusesWhatIsNotAnOutcome) {
  const std::string id = NewJob(1);
  PageResult r = Succeeded(0);
  r.state = PageState::kRunning;
  EXPECT_EQ(store_->FinishPage(id, r, "ep", 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->FinishPage(id, Succeeded(3), "ep", 1).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      store_->FinishPage(NewJobId(), Succeeded(0), "ep", 1).status().code(),
      StatusCode::kNotFound);
}

TEST_P(JobStoreTest, FinishedPagesIsACursorOverDoneSeq) {
  const std::string id = NewJob(6);
  Claim(id, 6);
  const std::vector<int> order = {3, 1, 4, 0, 2};
  std::vector<PageResult> expected;
  for (int index : order) {
    PageResult r = index == 4 ? Failed(4) : Succeeded(index, PageBytes(index));
    if (index == 1) r.mean_confidence.reset();
    Finish(id, r);
    r.done_seq = static_cast<int64_t>(expected.size()) + 1;
    expected.push_back(r);
  }
  auto all = store_->FinishedPages(id, 0, 100, /*with_output=*/true);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, expected);

  auto middle = store_->FinishedPages(id, 2, 2, /*with_output=*/true);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(*middle, (std::vector<PageResult>{expected[2], expected[3]}));

  auto bare = *store_->FinishedPages(id, 1, 100, /*with_output=*/false);
  ASSERT_EQ(bare.size(), 4u);
  for (size_t i = 0; i < bare.size(); ++i) {
    PageResult want = expected[i + 1];
    want.output.clear();  // the text stays: the page stream sends it
    EXPECT_EQ(bare[i], want);
  }
  EXPECT_TRUE(store_->FinishedPages(id, 5, 100, true)->empty());
  EXPECT_TRUE(store_->FinishedPages(id, 0, 0, true)->empty());
  EXPECT_EQ(store_->FinishedPages(NewJobId(), 0, 1, true).status().code(),
            StatusCode::kNotFound);
}

TEST_P(JobStoreTest, PageResultsAreInPageOrder) {
  const std::string id = NewJob(4);
  EXPECT_EQ(Claim(id, 3), (std::vector<int>{0, 1, 2}));
  Finish(id, Succeeded(2, PageBytes(9, 70000)));  // a large output
  Finish(id, Failed(0));
  StatusOr<std::vector<PageResult>> results = store_->PageResults(id);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 4u);
  PageResult failed = Failed(0);
  failed.done_seq = 2;
  EXPECT_EQ((*results)[0], failed);
  EXPECT_EQ((*results)[1].state, PageState::kRunning);
  EXPECT_EQ((*results)[1].page, 2);
  EXPECT_EQ((*results)[1].output, "");
  EXPECT_EQ((*results)[1].done_seq, 0);
  PageResult done = Succeeded(2, PageBytes(9, 70000));
  done.done_seq = 1;
  EXPECT_EQ((*results)[2], done);
  EXPECT_EQ((*results)[3].state, PageState::kQueued);
  EXPECT_EQ((*results)[3].index, 3);
}

TEST_P(JobStoreTest, EveryChangeMovesTheVersion) {
  const std::string id = NewJob(0, /*seal=*/false);
  int64_t version = Get(id).version;
  auto moved = [&](const char* what) {
    const int64_t now = Get(id).version;
    EXPECT_GT(now, version) << what;
    version = now;
  };
  ASSERT_TRUE(store_->AddPages(id, Pages(0, 3)).ok());
  moved("AddPages");
  ASSERT_TRUE(store_->SealSplit(id, 3, 1).ok());
  moved("SealSplit");
  Claim(id, 2);
  moved("ClaimPages");
  ASSERT_TRUE(store_->RequeuePage(id, 1, "ep", 2).ok());
  moved("RequeuePage");
  Finish(id, Succeeded(0));
  moved("FinishPage");
  ASSERT_TRUE(store_->RecordWebhookAttempt(id, false, 3).ok());
  moved("RecordWebhookAttempt");
  ASSERT_TRUE(store_->CancelJob(id, 4).ok());
  moved("CancelJob");
  // Reads do not move it.
  ASSERT_TRUE(store_->PageResults(id).ok());
  ASSERT_TRUE(store_->FinishedPages(id, 0, 10, true).ok());
  EXPECT_EQ(Get(id).version, version);
}

TEST_P(JobStoreTest, ConcurrentCallersKeepTheCountersRight) {
  constexpr int kPages = 200;
  const std::string id = NewJob(kPages);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, &id, t] {
      while (true) {
        StatusOr<std::vector<PageTask>> tasks = store_->ClaimPages(id, 3, 1);
        ASSERT_TRUE(tasks.ok());
        if (tasks->empty()) return;
        for (const PageTask& task : *tasks) {
          // Every page answered twice: the second answer must not count.
          for (int copy = 0; copy < 2; ++copy) {
            const PageResult r = (task.index + t) % 5 == 0
                                     ? Failed(task.index)
                                     : Succeeded(task.index);
            ASSERT_TRUE(store_->FinishPage(id, r, "ep", 2).ok());
          }
          ASSERT_TRUE(store_->GetJob(id).ok());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const JobRecord job = Get(id);
  EXPECT_EQ(job.pages_done + job.pages_failed, kPages);
  EXPECT_TRUE(IsFinal(job.state));
  const auto finished = *store_->FinishedPages(id, 0, kPages * 2, false);
  ASSERT_EQ(finished.size(), static_cast<size_t>(kPages));
  for (int i = 0; i < kPages; ++i) EXPECT_EQ(finished[i].done_seq, i + 1);
}

}  // namespace
}  // namespace ocr::jobs::testing
