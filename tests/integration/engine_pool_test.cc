// The engine pool with real Tesseract engines: text parity with the
// `tesseract` command line, determinism across engine reuse, parallel
// recognition, admission and deadlines.
#include "model_server/core/engine_pool.h"

#include <gtest/gtest.h>

#include <future>

#include "model_server/core/tesseract_engine.h"
#include "support/testdata.h"

namespace ocr {
namespace {

using testing::ImagePath;
using testing::ReadFile;

class EnginePoolTest : public ::testing::Test {
 protected:
  static std::unique_ptr<EnginePool> MakePool(int engines, int max_queue = 64) {
    EnginePoolOptions options;
    options.engines = engines;
    options.max_queue = max_queue;
    auto pool = std::make_unique<EnginePool>(
        options, TesseractEngineFactory(DefaultTessdataDir()));
    EXPECT_TRUE(pool->Start().ok());
    return pool;
  }

  // Submits one image and waits for its result.
  static StatusOr<OcrResult> Recognize(
      EnginePool& pool, std::string bytes, OcrOptions options = {},
      Clock::time_point deadline = Clock::time_point::max(),
      CancelFlag cancelled = std::make_shared<std::atomic<bool>>(false)) {
    auto promise = std::make_shared<std::promise<StatusOr<OcrResult>>>();
    auto future = promise->get_future();
    RecognitionTask task;
    task.image = std::move(bytes);
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
TEST_F(EnginePoolTest, TextEqualsTheCommandLineForEveryTestImage) {
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
TEST_F(EnginePoolTest, SameImageSameTextAcrossInterleavedRequests) {
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

TEST_F(EnginePoolTest, OptionsReachTesseract) {
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

TEST_F(EnginePoolTest, RecognisesInParallelAcrossEngines) {
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

TEST_F(EnginePoolTest, AdmitsAllTasksOrNone) {
  auto pool = MakePool(1, /*max_queue=*/2);
  std::vector<RecognitionTask> tasks(3);
  int called = 0;
  for (auto& t : tasks) {
    t.image = ReadFile(ImagePath("tjs-simple.png"));
    t.cancelled = std::make_shared<std::atomic<bool>>(false);
    t.done = [&called](StatusOr<OcrResult>) { ++called; };
  }
  Status s = pool->Submit(std::move(tasks));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("retry later"), std::string::npos);
  EXPECT_EQ(called, 0);
  EXPECT_EQ(pool->Stats().queue_depth, 0);
}

TEST_F(EnginePoolTest, DeadlineAndCancellation) {
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

TEST_F(EnginePoolTest, BadImagesFailAloneAndTheEngineServesOn) {
  auto pool = MakePool(1);
  auto bad = Recognize(*pool, "definitely not an image");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Recognize(*pool, ReadFile(ImagePath("tjs-simple.png"))).ok());
}

TEST_F(EnginePoolTest, StopRefusesNewWork) {
  auto pool = MakePool(1);
  pool->Stop();
  auto r = Recognize(*pool, ReadFile(ImagePath("tjs-simple.png")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST(TesseractEngineTest, InstalledLanguagesListsTraineddata) {
  const auto langs = InstalledLanguages(DefaultTessdataDir());
  EXPECT_NE(std::find(langs.begin(), langs.end(), "eng"), langs.end());
  EXPECT_TRUE(InstalledLanguages("/nonexistent").empty());
  EXPECT_FALSE(TesseractEngineFactory(DefaultTessdataDir())("xyz").ok());
}

}  // namespace
}  // namespace ocr
