// The job store suite (job_store_suite.h), part 1: jobs, idempotency,
// splitting, claiming, requeueing, removal, retention, webhooks, reopening;
// and the job ids.
#include <set>

#include "job_store_suite.h"

namespace ocr::jobs::testing {
namespace {

// Job ids (NewJobId, ValidJobId) are job_id.cc's: gateway_jobs_unit_test.

TEST(JobStateTest, NamesAndFinality) {
  EXPECT_EQ(Name(JobState::kPartiallySucceeded), "partially_succeeded");
  EXPECT_EQ(Name(PageState::kRunning), "running");
  EXPECT_FALSE(IsFinal(JobState::kQueued));
  EXPECT_FALSE(IsFinal(JobState::kRunning));
  for (JobState s : {JobState::kSucceeded, JobState::kPartiallySucceeded,
                     JobState::kFailed, JobState::kCancelled}) {
    EXPECT_TRUE(IsFinal(s)) << Name(s);
  }
}

TEST_P(JobStoreTest, CreatesAndGetsAJob) {
  const JobSpec spec = Spec("key-1");
  bool created = false;
  StatusOr<JobRecord> job = store_->CreateJob(spec, 1234, &created);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_TRUE(created);
  EXPECT_EQ(job->spec, spec);
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_FALSE(job->split);
  EXPECT_EQ(job->created_ms, 1234);
  EXPECT_EQ(job->updated_ms, 1234);
  EXPECT_EQ(job->finished_ms, 0);
  EXPECT_GT(job->version, 0);
  EXPECT_EQ(Get(spec.id), *job);

  StatusOr<JobRecord> unknown = store_->GetJob(NewJobId());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST_P(JobStoreTest, SameKeyAndDigestReturnsTheExistingJob) {
  bool created = false;
  StatusOr<JobRecord> first = store_->CreateJob(Spec("k"), 1000, &created);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(created);
  ASSERT_TRUE(store_->AddPages(first->spec.id, Pages(0, 2)).ok());
  const JobRecord stored = Get(first->spec.id);

  StatusOr<JobRecord> again = store_->CreateJob(Spec("k"), 5000, &created);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(created);
  EXPECT_EQ(*again, stored);  // the first job, as it is now

  // Another key, or none (twice), makes new jobs.
  for (const char* key : {"k2", "", ""}) {
    StatusOr<JobRecord> other = store_->CreateJob(Spec(key), 5000, &created);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_TRUE(created) << key;
    EXPECT_NE(other->spec.id, first->spec.id);
  }
}

TEST_P(JobStoreTest, SameKeyWithAnotherDigestIsUnprocessable) {
  bool created = false;
  ASSERT_TRUE(store_->CreateJob(Spec("k", "d1"), 1000, &created).ok());
  created = true;
  StatusOr<JobRecord> other =
      store_->CreateJob(Spec("k", "d2"), 1000, &created);
  EXPECT_EQ(other.status().code(), StatusCode::kUnprocessable);
  EXPECT_NE(other.status().message().find("Idempotency-Key k"),
            std::string::npos);
  EXPECT_NE(other.status().message().find("different request"),
            std::string::npos);
  EXPECT_EQ(store_->UnfinishedJobs()->size(), 1u);
}

TEST_P(JobStoreTest, PagesAreAddedInBatchesSealedAndClaimedInPageOrder) {
  const std::string id = NewJob(0, /*seal=*/false);
  // Out of order within and across batches.
  auto batch = Pages(5, 5);
  std::swap(batch[0], batch[3]);
  ASSERT_TRUE(store_->AddPages(id, batch).ok());
  ASSERT_TRUE(store_->AddPages(id, Pages(0, 5)).ok());
  EXPECT_EQ(store_->SealSplit(id, 9, 1500).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SealSplit(id, 0, 1500).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->SealSplit(id, 10, 1500).ok());
  JobRecord job = Get(id);
  EXPECT_TRUE(job.split);
  EXPECT_EQ(job.pages_total, 10);
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(store_->AddPages(id, Pages(10, 1)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ClearPages(id).code(), StatusCode::kInvalidArgument);

  EXPECT_TRUE(Claim(id, 0).empty());
  EXPECT_EQ(Get(id).state, JobState::kQueued);
  StatusOr<std::vector<PageTask>> tasks = store_->ClaimPages(id, 3, 2000);
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*tasks)[i], (PageTask{id, i, i + 1, 0, ""}));
  }
  job = Get(id);
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.updated_ms, 2000);
  EXPECT_EQ(Claim(id, 100), (std::vector<int>{3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(Claim(id, 100).empty());

  for (int i = 0; i < 10; ++i) {
    StatusOr<PageInput> input = store_->LoadPageInput(id, i);
    ASSERT_TRUE(input.ok()) << input.status().ToString();
    EXPECT_EQ(*input, (PageInput{"image/tiff", PageBytes(i)}));
  }
  EXPECT_EQ(store_->LoadPageInput(id, 10).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ClaimPages(NewJobId(), 1, 0).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->AddPages(NewJobId(), Pages(0, 1)).code(),
            StatusCode::kNotFound);
}

TEST_P(JobStoreTest, AddPagesReplacesAndClearPagesStartsOver) {
  const std::string id = NewJob(3, /*seal=*/false);
  // Pages may run before the split ends; a restarted split replaces them.
  EXPECT_EQ(Claim(id, 1), std::vector<int>{0});
  Finish(id, Succeeded(0));
  EXPECT_EQ(Get(id).pages_done, 1);
  auto again = Pages(0, 2, 50);
  ASSERT_TRUE(store_->AddPages(id, again).ok());
  EXPECT_EQ(store_->LoadPageInput(id, 0)->bytes, PageBytes(0, 50));
  EXPECT_EQ(store_->LoadPageInput(id, 2)->bytes, PageBytes(2));
  JobRecord job = Get(id);
  EXPECT_EQ(job.pages_done, 0);
  StatusOr<std::vector<PageResult>> results = store_->PageResults(id);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].state, PageState::kQueued);
  EXPECT_EQ((*results)[0].output, "");

  Finish(id, Failed(1));
  const int64_t before = Get(id).version;
  ASSERT_TRUE(store_->ClearPages(id).ok());
  job = Get(id);
  EXPECT_GT(job.version, before);
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.pages_failed, 0);
  EXPECT_TRUE(job.errors.empty());
  EXPECT_EQ(store_->LoadPageInput(id, 0).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(store_->PageResults(id)->empty());
  ASSERT_TRUE(store_->AddPages(id, Pages(0, 2)).ok());
  ASSERT_TRUE(store_->SealSplit(id, 2, 4000).ok());
  EXPECT_EQ(Claim(id, 5), (std::vector<int>{0, 1}));
  // done_seq goes on after a restarted split: cursors stay valid.
  Finish(id, Succeeded(1));
  EXPECT_EQ((*store_->FinishedPages(id, 0, 10, false))[0].done_seq, 3);
}

TEST_P(JobStoreTest, SealingAJobWhosePagesAllFinishedEndsIt) {
  const std::string id = NewJob(2, /*seal=*/false);
  EXPECT_EQ(Claim(id, 2), (std::vector<int>{0, 1}));
  Finish(id, Succeeded(0));
  EXPECT_EQ(Finish(id, Succeeded(1)).state, JobState::kRunning);  // not split
  ASSERT_TRUE(store_->SealSplit(id, 2, 7000).ok());
  const JobRecord job = Get(id);
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.finished_ms, 7000);
  (void)store_->SealSplit(id, 2, 8000);  // ended: changes nothing
  EXPECT_EQ(Get(id), job);
}

TEST_P(JobStoreTest, RunningPagesAreRequeuedAfterARestart) {
  const std::string a = NewJob(5);
  const std::string b = NewJob(2);
  EXPECT_EQ(Claim(a, 3), (std::vector<int>{0, 1, 2}));
  Finish(a, Succeeded(1));
  EXPECT_EQ(Claim(b, 1), std::vector<int>{0});
  const int64_t version = Get(a).version;
  Reopen();
  StatusOr<int> requeued = store_->RequeueRunning();
  ASSERT_TRUE(requeued.ok()) << requeued.status().ToString();
  EXPECT_EQ(*requeued, 3);
  EXPECT_GT(Get(a).version, version);
  EXPECT_EQ(Claim(a, 10), (std::vector<int>{0, 2, 3, 4}));
  EXPECT_EQ(Claim(b, 10), (std::vector<int>{0, 1}));
  EXPECT_EQ(*store_->RequeueRunning(), 6);
  EXPECT_EQ(*store_->RequeueRunning(), 0);
}

TEST_P(JobStoreTest, RequeuePageCountsAttempts) {
  const std::string id = NewJob(2);
  EXPECT_EQ(Claim(id, 1), std::vector<int>{0});
  int64_t version = Get(id).version;
  ASSERT_TRUE(store_->RequeuePage(id, 0, "http://a:8080", 2500).ok());
  EXPECT_GT(Get(id).version, version);
  StatusOr<std::vector<PageTask>> tasks = store_->ClaimPages(id, 1, 2600);
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0], (PageTask{id, 0, 1, 1, "http://a:8080"}));
  ASSERT_TRUE(store_->RequeuePage(id, 0, "http://b:8080", 2700).ok());
  tasks = store_->ClaimPages(id, 1, 2800);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0], (PageTask{id, 0, 1, 2, "http://b:8080"}));

  // A finished page is not retried; unknown pages and jobs are reported.
  Finish(id, Succeeded(0));
  version = Get(id).version;
  ASSERT_TRUE(store_->RequeuePage(id, 0, "late", 2900).ok());
  EXPECT_EQ(Get(id).version, version);
  EXPECT_EQ(Claim(id, 5), std::vector<int>{1});
  EXPECT_EQ(store_->RequeuePage(id, 7, "x", 0).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RequeuePage(NewJobId(), 0, "x", 0).code(),
            StatusCode::kNotFound);
}

TEST_P(JobStoreTest, CancelEndsAJobThatIsNotFinal) {
  const std::string id = NewJob(3);
  EXPECT_EQ(Claim(id, 1), std::vector<int>{0});
  ASSERT_TRUE(store_->CancelJob(id, 4000).ok());
  JobRecord job = Get(id);
  EXPECT_EQ(job.state, JobState::kCancelled);
  EXPECT_EQ(job.finished_ms, 4000);
  EXPECT_TRUE(Claim(id, 5).empty());
  // The answer of the page that was running changes nothing.
  EXPECT_EQ(Finish(id, Succeeded(0)), job);
  EXPECT_EQ(Get(id), job);
  ASSERT_TRUE(store_->CancelJob(id, 5000).ok());
  EXPECT_EQ(Get(id), job);

  const std::string done = NewJob(1);
  Claim(done, 1);
  Finish(done, Succeeded(0));
  ASSERT_TRUE(store_->CancelJob(done, 9000).ok());
  EXPECT_EQ(Get(done).state, JobState::kSucceeded);
  EXPECT_EQ(store_->CancelJob(NewJobId(), 1).code(), StatusCode::kNotFound);
}

TEST_P(JobStoreTest, FailJobEndsItAsAWhole) {
  const std::string id = NewJob(0, /*seal=*/false);
  StatusOr<JobRecord> job = store_->FailJob(id, "not a PDF", 6000);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_EQ(job->detail, "not a PDF");
  EXPECT_EQ(job->finished_ms, 6000);
  EXPECT_EQ(Get(id), *job);
  StatusOr<JobRecord> again = store_->FailJob(id, "other", 7000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *job);
  EXPECT_EQ(store_->FailJob(NewJobId(), "x", 0).status().code(),
            StatusCode::kNotFound);
}

TEST_P(JobStoreTest, DeleteRemovesTheJobAndItsPages) {
  const std::string id = NewJob(4);
  const std::string other = NewJob(2);
  Claim(id, 2);
  Finish(id, Succeeded(0));
  const JobRecord kept = Get(other);
  ASSERT_TRUE(store_->DeleteJob(id).ok());
  EXPECT_EQ(store_->GetJob(id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->LoadPageInput(id, 1).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->FinishedPages(id, 0, 10, true).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->PageResults(id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteJob(id).code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->UnfinishedJobs(), std::vector<std::string>{other});
  EXPECT_EQ(*store_->RequeueRunning(), 0);
  EXPECT_EQ(Get(other), kept);
  EXPECT_EQ(store_->LoadPageInput(other, 1)->bytes, PageBytes(1));
}

TEST_P(JobStoreTest, ExpiredJobsAreTheFinalOnesFinishedBeforeATime) {
  const std::string late = NewJob(0, false);
  const std::string early = NewJob(0, false);
  const std::string cancelled = NewJob(1);
  const std::string open = NewJob(1);
  ASSERT_TRUE(store_->FailJob(late, "x", 300).ok());
  ASSERT_TRUE(store_->FailJob(early, "x", 100).ok());
  ASSERT_TRUE(store_->CancelJob(cancelled, 200).ok());
  EXPECT_EQ(*store_->ExpiredJobs(250),
            (std::vector<std::string>{early, cancelled}));
  EXPECT_EQ(*store_->ExpiredJobs(1000),
            (std::vector<std::string>{early, cancelled, late}));
  EXPECT_TRUE(store_->ExpiredJobs(100)->empty());
  (void)open;
}

TEST_P(JobStoreTest, UnfinishedJobsComeOldestFirst) {
  const std::string c = NewJob(1, true, 300);
  const std::string a1 = NewJob(1, true, 100);
  const std::string b = NewJob(1, false, 200);
  const std::string a2 = NewJob(1, true, 100);  // same time: created later
  const std::string ended = NewJob(1, true, 50);
  Claim(ended, 1);
  Finish(ended, Failed(0));
  Claim(c, 1);  // running counts as unfinished
  EXPECT_EQ(*store_->UnfinishedJobs(),
            (std::vector<std::string>{a1, a2, b, c}));
}

TEST_P(JobStoreTest, WebhookAttemptsAreCounted) {
  const std::string id = NewJob(1);
  int64_t version = Get(id).version;
  for (bool delivered : {false, true, false}) {
    ASSERT_TRUE(store_->RecordWebhookAttempt(id, delivered, 8000).ok());
    const JobRecord job = Get(id);
    EXPECT_GT(job.version, version);
    version = job.version;
  }
  const JobRecord job = Get(id);
  EXPECT_EQ(job.webhook_attempts, 3);
  EXPECT_TRUE(job.webhook_delivered);  // once delivered, stays so
  EXPECT_EQ(job.updated_ms, 8000);
  EXPECT_EQ(store_->RecordWebhookAttempt(NewJobId(), true, 1).code(),
            StatusCode::kNotFound);
}

TEST_P(JobStoreTest, UndeliveredWebhooksAreThoseOfFinalJobsLeftToDeliver) {
  auto finished = [&](int64_t at, bool with_callback = true) {
    JobSpec spec = Spec();
    if (!with_callback) spec.callback_url.clear();
    bool created = false;
    const std::string id = store_->CreateJob(spec, 1000, &created)->spec.id;
    EXPECT_TRUE(store_->AddPages(id, Pages(0, 1)).ok());
    EXPECT_TRUE(store_->SealSplit(id, 1, 1000).ok());
    Claim(id, 1);
    Finish(id, Succeeded(0), at);
    return id;
  };
  NewJob(1);  // not final: nothing to send yet
  const std::string failed_once = finished(4000);
  const std::string never_tried = finished(3000);
  const std::string delivered = finished(5000);
  const std::string gave_up = finished(6000);
  finished(7000, /*with_callback=*/false);
  ASSERT_TRUE(store_->RecordWebhookAttempt(failed_once, false, 4100).ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt(delivered, false, 5100).ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt(delivered, true, 5200).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->RecordWebhookAttempt(gave_up, false, 6100).ok());
  }
  const std::vector<std::string> expected{never_tried, failed_once};
  EXPECT_EQ(*store_->UndeliveredWebhooks(3), expected);
  Reopen();
  EXPECT_EQ(*store_->UndeliveredWebhooks(3), expected);
  EXPECT_EQ(store_->UndeliveredWebhooks(4)->size(), 3u);
}

TEST_P(JobStoreTest, ReopeningKeepsEverything) {
  const std::string a = NewJob(4);
  const std::string b = NewJob(2, /*seal=*/false);
  bool created = false;
  ASSERT_TRUE(store_->CreateJob(Spec("idem"), 10, &created).ok());
  Claim(a, 3);
  Finish(a, Succeeded(2));
  Finish(a, Failed(0));
  ASSERT_TRUE(store_->RequeuePage(a, 1, "ep", 3100).ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt(b, false, 3200).ok());
  const JobRecord ja = Get(a), jb = Get(b);
  const auto ra = *store_->PageResults(a);
  const auto fa = *store_->FinishedPages(a, 0, 100, true);
  const auto unfinished = *store_->UnfinishedJobs();
  Reopen();
  EXPECT_EQ(Get(a), ja);
  EXPECT_EQ(Get(b), jb);
  EXPECT_EQ(*store_->PageResults(a), ra);
  EXPECT_EQ(*store_->FinishedPages(a, 0, 100, true), fa);
  EXPECT_EQ(*store_->UnfinishedJobs(), unfinished);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(store_->LoadPageInput(a, i)->bytes, PageBytes(i));
  }
  // Idempotency survives a restart.
  StatusOr<JobRecord> again = store_->CreateJob(Spec("idem"), 20, &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(
      store_->CreateJob(Spec("idem", "other"), 20, &created).status().code(),
      StatusCode::kUnprocessable);
}

}  // namespace
}  // namespace ocr::jobs::testing
