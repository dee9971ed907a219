// The scheduler over both executors, with real Tesseract engines: in this
// process (threads) and in ocr-engine-worker processes. Text parity with the
// `tesseract` command line, determinism across engine reuse, parallel
// recognition, admission, fairness and deadlines hold for both.
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "model_server/core/scheduler.h"
#include "model_server/core/tesseract_engine.h"
#include "model_server/core/thread_executor.h"
#include "model_server/worker/process_executor.h"
#include "support/testdata.h"

namespace ocr {
namespace {

using testing::ImagePath;
using testing::ReadFile;

using Pool = Scheduler;

// The executor under test: "thread" or "process".
class ExecutorTest : public ::testing::TestWithParam<std::string> {
 protected:
  static std::unique_ptr<Executor> MakeExecutor(int engines) {
    if (GetParam() == "thread") {
      return std::make_unique<ThreadExecutor>(
          engines, EngineSetOptions{},
          TesseractEngineFactory(DefaultTessdataDir()));
    }
    worker::ProcessExecutorOptions options;
    options.slots = engines;
    options.launch.binary = OCR_ENGINE_WORKER_BIN;
    return std::make_unique<worker::ProcessExecutor>(options);
  }
  static std::unique_ptr<Pool> MakePool(int engines, int max_queue = 64) {
    auto pool = std::make_unique<Pool>(SchedulerOptions{max_queue},
                                       MakeExecutor(engines));
    EXPECT_TRUE(pool->Start().ok());
    return pool;
  }

  // Submits one image and waits for its result.
  static StatusOr<OcrResult> Recognize(
      Pool& pool, std::string bytes, OcrOptions options = {},
      Clock::time_point deadline = Clock::time_point::max(),
      CancelFlag cancelled = std::make_shared<std::atomic<bool>>(false)) {
    auto promise = std::make_shared<std::promise<StatusOr<OcrResult>>>();
    auto future = promise->get_future();
    RecognitionTask task;
    task.file = ShareFile(std::move(bytes));
    task.options = std::move(options);
    task.deadline = deadline;
    task.cancelled = std::move(cancelled);
    task.done = [promise](StatusOr<OcrResult> r) {
      promise->set_value(std::move(r));
    };
    std::vector<RecognitionTask> tasks;
    tasks.push_back(std::move(task));
    Status s = pool.Submit(std::move(tasks));
    if (!s.ok()) return s;
    return future.get();
  }
};

// The text equals what `tesseract <image> stdout` prints on this machine,
// byte for byte, for every test image (PSM 3, English, alpha flattened).
TEST_P(ExecutorTest, TextEqualsTheCommandLineForEveryTestImage) {
  auto pool = MakePool(2);
  for (const auto& image : testing::ManifestImages()) {
    SCOPED_TRACE(image.id);
    int exit_code = -1;
    const std::string cli = testing::RunCommand(
        "tesseract '" + image.path + "' stdout 2>/dev/null", &exit_code);
    ASSERT_EQ(exit_code, 0);
    auto result = Recognize(*pool, ReadFile(image.path));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->text, cli);
    // And the page's real content, modulo whitespace.
    EXPECT_EQ(testing::NormalizeSpace(result->text),
              testing::NormalizeSpace(ReadFile(image.truth_path)));
    EXPECT_GT(result->mean_confidence, 50);
    EXPECT_GT(result->characters, 0);
  }
}

// Whatever an engine served before, the same image gives the same text.
TEST_P(ExecutorTest, SameImageSameTextAcrossInterleavedRequests) {
  auto pool = MakePool(1);  // one engine serves everything, in turn
  const std::string a = ReadFile(ImagePath("pyt-test.png"));
  const std::string b = ReadFile(ImagePath("tjs-simple.png"));
  const std::string c = ReadFile(ImagePath("gos-001-helloworld.png"));
  const std::string d = ReadFile(ImagePath("pyt-test.jpg"));
  auto first = Recognize(*pool, a);
  ASSERT_TRUE(first.ok());
  for (const std::string* other : {&b, &c, &d, &b, &d}) {
    ASSERT_TRUE(Recognize(*pool, *other).ok());
    auto again = Recognize(*pool, a);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->text, first->text);
    EXPECT_EQ(again->mean_confidence, first->mean_confidence);
  }
  // A different page segmentation mode in between changes nothing either.
  OcrOptions single_line;
  single_line.psm = 7;
  ASSERT_TRUE(Recognize(*pool, b, single_line).ok());
  EXPECT_EQ(Recognize(*pool, a)->text, first->text);
}

TEST_P(ExecutorTest, OptionsReachTesseract) {
  auto pool = MakePool(1);
  OcrOptions single_line;
  single_line.psm = 7;
  auto line =
      Recognize(*pool, ReadFile(ImagePath("tjs-simple.png")), single_line);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(testing::NormalizeSpace(line->text), "Tesseract.js");
  OcrOptions dpi;
  dpi.dpi = 300;
  EXPECT_TRUE(Recognize(*pool, ReadFile(ImagePath("pyt-test.png")), dpi).ok());
}

TEST_P(ExecutorTest, RecognisesInParallelAcrossEngines) {
  auto pool = MakePool(2);
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  std::vector<std::future<StatusOr<OcrResult>>> futures;
  for (int i = 0; i < 6; ++i) {
    futures.push_back(
        std::async(std::launch::async, [&] { return Recognize(*pool, page); }));
  }
  std::string text;
  for (auto& f : futures) {
    auto r = f.get();
    ASSERT_TRUE(r.ok());
    if (text.empty()) text = r->text;
    EXPECT_EQ(r->text, text);
  }
  EXPECT_EQ(pool->Stats().engines_total, 2);
  EXPECT_EQ(pool->Stats().engines_busy, 0);
}

// --max-queue counts pages: a request with more pages than the limit is
// served when it is alone; behind it, a request whose pages would pass the
// limit is refused whole, and nothing of it runs.
TEST_P(ExecutorTest, QueueBoundsPages) {
  auto pool = MakePool(1, /*max_queue=*/3);
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  std::atomic<int> done{0};
  auto submit = [&](int images) {
    std::vector<RecognitionTask> tasks(images);
    for (auto& t : tasks) {
      t.file = ShareFile(page);
      t.cancelled = std::make_shared<std::atomic<bool>>(false);
      t.done = [&done](StatusOr<OcrResult> r) {
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        ++done;
      };
    }
    return pool->Submit(std::move(tasks));
  };
  ASSERT_TRUE(submit(5).ok());  // five pages, limit three: alone, served
  while (pool->Stats().engines_busy == 0) std::this_thread::yield();
  Status refused = submit(1);
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("queue full"), std::string::npos);
  EXPECT_NE(refused.message().find("retry later"), std::string::npos);
  EXPECT_EQ(pool->Stats().queue_capacity, 3);
  while (done.load() < 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(submit(1).ok());  // the queue drained: room again
  while (done.load() < 6)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(done.load(), 6);  // none of the refused request ran
  EXPECT_EQ(pool->Stats().queue_depth, 0);
}

// A one-image request sent behind a long one is answered after at most one
// unit per engine, not after the whole batch.
TEST_P(ExecutorTest, UnitsOfDifferentRequestsAreInterleavedFairly) {
  auto pool = MakePool(1);
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  std::mutex mu;
  std::vector<std::string> order;
  auto make = [&](const std::string& name, int images) {
    std::vector<RecognitionTask> tasks(images);
    for (auto& t : tasks) {
      t.file = ShareFile(page);
      t.cancelled = std::make_shared<std::atomic<bool>>(false);
      t.done = [&, name](StatusOr<OcrResult>) {
        std::lock_guard lock(mu);
        order.push_back(name);
      };
    }
    return tasks;
  };
  ASSERT_TRUE(pool->Submit(make("long", 6)).ok());
  while (pool->Stats().engines_busy == 0) std::this_thread::yield();
  ASSERT_TRUE(pool->Submit(make("short", 1)).ok());
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(mu);
    if (order.size() == 7) break;
  }
  const auto at =
      std::find(order.begin(), order.end(), "short") - order.begin();
  EXPECT_LE(at, 1) << "the one-image request waited for " << at
                   << " units of the long one";
}

TEST_P(ExecutorTest, DeadlineAndCancellation) {
  auto pool = MakePool(1);
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  auto late =
      Recognize(*pool, page, {}, Clock::now() - std::chrono::seconds(1));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kDeadlineExceeded);

  auto cancelled = std::make_shared<std::atomic<bool>>(true);
  auto stopped =
      Recognize(*pool, page, {}, Clock::time_point::max(), cancelled);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kDeadlineExceeded);

  // The engine is fine afterwards.
  EXPECT_TRUE(Recognize(*pool, page).ok());
}

TEST_P(ExecutorTest, BadImagesFailAloneAndTheEngineServesOn) {
  auto pool = MakePool(1);
  auto bad = Recognize(*pool, "definitely not an image");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Recognize(*pool, ReadFile(ImagePath("tjs-simple.png"))).ok());
}

TEST_P(ExecutorTest, StopRefusesNewWork) {
  auto pool = MakePool(1);
  pool->Stop();
  auto r = Recognize(*pool, ReadFile(ImagePath("tjs-simple.png")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Executors, ExecutorTest,
                         ::testing::Values("thread", "process"),
                         [](const auto& p) { return p.param; });

TEST(TesseractEngineTest, InstalledLanguagesListsTraineddata) {
  const auto langs = InstalledLanguages(DefaultTessdataDir());
  EXPECT_NE(std::find(langs.begin(), langs.end(), "eng"), langs.end());
  EXPECT_TRUE(InstalledLanguages("/nonexistent").empty());
  EXPECT_FALSE(TesseractEngineFactory(DefaultTessdataDir())("xyz").ok());
}

}  // namespace
}  // namespace ocr
