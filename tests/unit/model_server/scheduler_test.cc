// The scheduler with a fake executor (a fault injected on purpose): nothing
// an executor throws ends a slot's thread, and admission counts requests.
#include "model_server/core/scheduler.h"

#include <gtest/gtest.h>

#include <future>
#include <new>
#include <stdexcept>

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

}  // namespace
}  // namespace ocr
