// The scheduler with fake executors (a fault injected on purpose, and pages
// of a fixed time): nothing an executor throws ends a slot's thread, and
// admission counts pages against deadlines.
#include "model_server/core/scheduler.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>

namespace ocr {
namespace {

// Recognises "ok", throws bad_alloc on "bad_alloc", anything else on "throw".
class ThrowingExecutor : public Executor {
 public:
  Status Start() override { return OkStatus(); }
  int slots() const override { return 1; }
  StatusOr<OcrResult> Run(int, const WorkUnit& unit) override {
    if (unit.image == "bad_alloc") throw std::bad_alloc();
    if (unit.image == "throw") throw std::runtime_error("library failure");
    OcrResult r;
    r.text = unit.image;
    return r;
  }
  void Stop() override {}
  ExecutorStats Stats() const override { return {1, {}, {}}; }
};

StatusOr<OcrResult> Recognize(Scheduler& pool, std::string image) {
  auto promise = std::make_shared<std::promise<StatusOr<OcrResult>>>();
  auto future = promise->get_future();
  std::vector<RecognitionTask> tasks(1);
  tasks[0].file = ShareFile(std::move(image));
  tasks[0].cancelled = std::make_shared<std::atomic<bool>>(false);
  tasks[0].done = [promise](StatusOr<OcrResult> r) {
    promise->set_value(std::move(r));
  };
  if (Status s = pool.Submit(std::move(tasks)); !s.ok()) return s;
  return future.get();
}

TEST(SchedulerTest, AnExceptionInTheEngineCostsOneImage) {
  Scheduler pool(SchedulerOptions{4}, std::make_unique<ThrowingExecutor>());
  ASSERT_TRUE(pool.Start().ok());
  auto oom = Recognize(pool, "bad_alloc");
  ASSERT_FALSE(oom.ok());
  EXPECT_EQ(oom.status().code(), StatusCode::kInternal);
  EXPECT_NE(oom.status().message().find("out of memory"), std::string::npos);
  auto failed = Recognize(pool, "throw");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("library failure"),
            std::string::npos);
  // The slot's thread lives on.
  EXPECT_EQ(Recognize(pool, "ok")->text, "ok");
  EXPECT_EQ(pool.Stats().engines_alive, 1);
}

TEST(SchedulerTest, ACompletionThatThrowsDoesNotEndTheSlot) {
  Scheduler pool(SchedulerOptions{4}, std::make_unique<ThrowingExecutor>());
  ASSERT_TRUE(pool.Start().ok());
  std::vector<RecognitionTask> tasks(1);
  tasks[0].file = ShareFile("ok");
  tasks[0].cancelled = std::make_shared<std::atomic<bool>>(false);
  tasks[0].done = [](StatusOr<OcrResult>) {
    throw std::runtime_error("a caller's bug");
  };
  ASSERT_TRUE(pool.Submit(std::move(tasks)).ok());
  EXPECT_EQ(Recognize(pool, "ok")->text, "ok");
}

TEST(SchedulerTest, StoppedRefusesAndEmptySubmitIsHarmless) {
  Scheduler pool(SchedulerOptions{4}, std::make_unique<ThrowingExecutor>());
  EXPECT_EQ(Recognize(pool, "ok").status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_TRUE(pool.Submit({}).ok());
  pool.Stop();
  auto r = Recognize(pool, "ok");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("shutting down"), std::string::npos);
}

// Every unit takes `page` of wall time (a sleep, not CPU, so that a loaded
// machine does not change it much).
class PagedExecutor : public Executor {
 public:
  PagedExecutor(int slots, std::chrono::milliseconds page)
      : slots_(slots), page_(page) {}
  Status Start() override { return OkStatus(); }
  int slots() const override { return slots_; }
  StatusOr<OcrResult> Run(int, const WorkUnit&) override {
    std::this_thread::sleep_for(page_);
    return OcrResult();
  }
  void Stop() override {}
  ExecutorStats Stats() const override { return {slots_, {}, {}}; }

 private:
  const int slots_;
  const std::chrono::milliseconds page_;
};

// Eight 4-page requests at once on 2 engines whose page takes 50 ms, due in
// 400 ms: 16 pages fit (about 13 with the admission's headroom), so three
// (or a neighbour) are admitted and done in time and the others are refused
// at once. (Admitting all eight and
// interleaving them, as the scheduler did, had every one miss.)
TEST(SchedulerTest, AdmitsThePagesThatFitTheDeadlineAndCompletesThem) {
  using std::chrono::milliseconds;
  Scheduler pool(SchedulerOptions{64},
                 std::make_unique<PagedExecutor>(2, milliseconds(50)));
  ASSERT_TRUE(pool.Start().ok());
  // One page measures the engines.
  ASSERT_TRUE(Recognize(pool, "warm-up").ok());
  EXPECT_NEAR(pool.Stats().page_seconds, 0.05, 0.04);

  struct Outcome {
    std::mutex mu;
    int pages_ok = 0;
    int pages_failed = 0;
    std::vector<int> finished;  // request numbers, in completion order
  } outcome;
  const auto deadline = Clock::now() + milliseconds(400);
  int admitted = 0;
  for (int r = 0; r < 8; ++r) {
    std::vector<RecognitionTask> tasks(4);
    auto left = std::make_shared<std::atomic<int>>(4);
    for (auto& t : tasks) {
      t.file = ShareFile("page");
      t.deadline = deadline;
      t.cancelled = std::make_shared<std::atomic<bool>>(false);
      t.done = [&outcome, left, r](StatusOr<OcrResult> result) {
        std::lock_guard lock(outcome.mu);
        ++(result.ok() ? outcome.pages_ok : outcome.pages_failed);
        if (--*left == 0) outcome.finished.push_back(r);
      };
    }
    const Status s = pool.Submit(std::move(tasks));
    if (s.ok()) {
      ++admitted;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kUnavailable);
      EXPECT_NE(s.message().find("queue full"), std::string::npos);
    }
  }
  EXPECT_GE(admitted, 2);
  EXPECT_LE(admitted, 4);
  pool.Stop();  // waits for the admitted pages
  EXPECT_EQ(outcome.pages_ok, 4 * admitted);
  EXPECT_EQ(outcome.pages_failed, 0);
  EXPECT_EQ(static_cast<int>(outcome.finished.size()), admitted);
}

// --max-queue counts pages: a request alone is served whatever its size;
// behind it, what would pass the cap is refused whole.
TEST(SchedulerTest, MaxQueueCountsPages) {
  using std::chrono::milliseconds;
  Scheduler pool(SchedulerOptions{4},
                 std::make_unique<PagedExecutor>(1, milliseconds(30)));
  ASSERT_TRUE(pool.Start().ok());
  auto submit = [&pool](int pages) {
    std::vector<RecognitionTask> tasks(pages);
    for (auto& t : tasks) {
      t.file = ShareFile("page");
      t.cancelled = std::make_shared<std::atomic<bool>>(false);
      t.done = [](StatusOr<OcrResult>) {};
    }
    return pool.Submit(std::move(tasks));
  };
  ASSERT_TRUE(submit(6).ok());
  const Status full = submit(1);
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_NE(full.message().find("--max-queue (4 pages)"), std::string::npos)
      << full.message();
  EXPECT_GE(pool.Stats().queue_depth, 4);
  EXPECT_EQ(pool.Stats().queue_capacity, 4);
  EXPECT_EQ(pool.CheckRoom(Clock::time_point::max()).code(),
            StatusCode::kUnavailable);
  pool.Stop();
  EXPECT_EQ(pool.Stats().queue_depth, 0);
}

}  // namespace
}  // namespace ocr
