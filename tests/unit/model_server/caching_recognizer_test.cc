#include "model_server/core/caching_recognizer.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ocr {
namespace {

// The wrapped recognizer: recognises an image as "text:" + its bytes, inline;
// counts what it is asked; can refuse a Submit or fail one image.
class CountingRecognizer : public Recognizer {
 public:
  Status Start() override {
    ++starts;
    return OkStatus();
  }
  Status DoSubmit(std::vector<RecognitionTask> tasks,
                  Admission /*admission*/) override {
    if (on_submit) on_submit();
    if (!refuse.ok()) return refuse;
    ++submits;
    for (RecognitionTask& task : tasks) {
      images.emplace_back(task.file->bytes());
      if (task.file->bytes() == fail_image) {
        task.done(InternalError("engine exploded"));
        continue;
      }
      OcrResult result;
      result.text =
          "text:" + std::string(task.file->bytes()) + ":" + task.options.lang;
      result.characters = static_cast<int64_t>(result.text.size());
      task.done(std::move(result));
    }
    return OkStatus();
  }
  void Stop() override { ++stops; }
  RecognizerStats Stats() const override {
    RecognizerStats stats;
    stats.engines_total = 3;
    stats.engines_busy = 1;
    stats.queue_depth = 2;
    stats.queue_capacity = 64;
    return stats;
  }

  Status refuse;
  std::string fail_image;
  std::function<void()> on_submit;  // runs first in every Submit
  int starts = 0;
  int stops = 0;
  int submits = 0;
  std::vector<std::string> images;  // every image recognised, in order
};

// What the `done` callbacks of a test's tasks received.
struct Outcomes {
  int calls = 0;
  std::vector<StatusOr<OcrResult>> results;
};

RecognitionTask Task(std::string image, Outcomes* outcomes,
                     OcrOptions options = {}) {
  RecognitionTask task;
  task.file = ShareFile(std::move(image));
  task.options = std::move(options);
  task.cancelled = std::make_shared<std::atomic<bool>>(false);
  task.done = [outcomes](StatusOr<OcrResult> result) {
    ++outcomes->calls;
    outcomes->results.push_back(std::move(result));
  };
  return task;
}

std::vector<RecognitionTask> Tasks(RecognitionTask a) {
  std::vector<RecognitionTask> tasks;
  tasks.push_back(std::move(a));
  return tasks;
}

std::vector<RecognitionTask> Tasks(RecognitionTask a, RecognitionTask b) {
  std::vector<RecognitionTask> tasks;
  tasks.push_back(std::move(a));
  tasks.push_back(std::move(b));
  return tasks;
}

class CachingRecognizerTest : public ::testing::Test {
 protected:
  CachingRecognizerTest() {
    auto inner = std::make_unique<CountingRecognizer>();
    inner_ = inner.get();
    recognizer_ =
        std::make_unique<CachingRecognizer>(std::move(inner), 1 << 20);
  }

  CountingRecognizer* inner_;  // owned by recognizer_
  std::unique_ptr<CachingRecognizer> recognizer_;
};

TEST_F(CachingRecognizerTest, SecondIdenticalTaskIsAHit) {
  Outcomes first;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("page", &first))).ok());
  ASSERT_EQ(first.calls, 1);
  ASSERT_TRUE(first.results[0].ok());
  EXPECT_EQ(inner_->submits, 1);

  Outcomes second;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("page", &second))).ok());
  ASSERT_EQ(second.calls, 1);
  ASSERT_TRUE(second.results[0].ok());
  EXPECT_EQ(second.results[0]->text, "text:page:eng");
  EXPECT_EQ(second.results[0]->characters, first.results[0]->characters);
  EXPECT_EQ(inner_->submits, 1);  // not asked again

  const RecognizerStats stats = recognizer_->Stats();
  EXPECT_EQ(stats.cache_hits, 1);
  EXPECT_EQ(stats.cache_misses, 1);
  EXPECT_EQ(stats.cache_entries, 1);
  EXPECT_GT(stats.cache_bytes, 0);
  EXPECT_EQ(stats.cache_capacity_bytes, 1 << 20);
  EXPECT_EQ(stats.cache_evictions, 0);
}

TEST_F(CachingRecognizerTest, DifferentOptionsOrImageMiss) {
  Outcomes outcomes;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("page", &outcomes))).ok());
  OcrOptions lang;
  lang.lang = "deu";
  OcrOptions psm;
  psm.psm = 6;
  OcrOptions dpi;
  dpi.dpi = 300;
  for (const OcrOptions& options : {lang, psm, dpi}) {
    ASSERT_TRUE(
        recognizer_->Submit(Tasks(Task("page", &outcomes, options))).ok());
  }
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("pagf", &outcomes))).ok());
  EXPECT_EQ(inner_->submits, 5);
  EXPECT_EQ(outcomes.calls, 5);
  ASSERT_TRUE(outcomes.results[1].ok());
  EXPECT_EQ(outcomes.results[1]->text, "text:page:deu");
  EXPECT_EQ(recognizer_->Stats().cache_hits, 0);
  EXPECT_EQ(recognizer_->Stats().cache_misses, 5);
  EXPECT_EQ(recognizer_->Stats().cache_entries, 5);
}

TEST_F(CachingRecognizerTest, OnlyMissesReachTheInnerRecognizerInOneSubmit) {
  Outcomes warm;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("a", &warm))).ok());
  inner_->images.clear();

  Outcomes outcomes;
  ASSERT_TRUE(
      recognizer_->Submit(Tasks(Task("a", &outcomes), Task("b", &outcomes)))
          .ok());
  EXPECT_EQ(inner_->submits, 2);
  EXPECT_EQ(inner_->images, std::vector<std::string>{"b"});
  ASSERT_EQ(outcomes.calls, 2);
  // The miss completed inside the inner Submit, the hit after it.
  EXPECT_EQ(outcomes.results[0]->text, "text:b:eng");
  EXPECT_EQ(outcomes.results[1]->text, "text:a:eng");
}

TEST_F(CachingRecognizerTest, FailedResultsAreNotCached) {
  inner_->fail_image = "bad";
  Outcomes outcomes;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("bad", &outcomes))).ok());
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("bad", &outcomes))).ok());
  ASSERT_EQ(outcomes.calls, 2);
  for (const auto& result : outcomes.results) {
    EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  }
  EXPECT_EQ(inner_->submits, 2);
  EXPECT_EQ(recognizer_->Stats().cache_entries, 0);
  EXPECT_EQ(recognizer_->Stats().cache_hits, 0);
}

TEST_F(CachingRecognizerTest, RefusedSubmitCallsNoDoneAndReturnsTheError) {
  Outcomes warm;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("cached", &warm))).ok());

  inner_->refuse = UnavailableError("server is busy");
  Outcomes outcomes;
  const Status s = recognizer_->Submit(
      Tasks(Task("cached", &outcomes), Task("new", &outcomes)));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "server is busy");
  EXPECT_EQ(outcomes.calls, 0);  // not even the cached one
  EXPECT_EQ(recognizer_->Stats().cache_entries, 1);

  // With nothing to recognise the inner recognizer is not asked at all.
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("cached", &outcomes))).ok());
  ASSERT_EQ(outcomes.calls, 1);
  EXPECT_EQ(outcomes.results[0]->text, "text:cached:eng");
}

TEST_F(CachingRecognizerTest, HitsAreAnsweredOnlyAfterTheInnerSubmit) {
  Outcomes warm;
  ASSERT_TRUE(recognizer_->Submit(Tasks(Task("cached", &warm))).ok());
  Outcomes outcomes;
  int calls_during_submit = -1;
  inner_->on_submit = [&] { calls_during_submit = outcomes.calls; };
  ASSERT_TRUE(
      recognizer_
          ->Submit(Tasks(Task("cached", &outcomes), Task("new", &outcomes)))
          .ok());
  EXPECT_EQ(calls_during_submit, 0);
  EXPECT_EQ(outcomes.calls, 2);
}

TEST_F(CachingRecognizerTest, StartStopAndStatsDelegate) {
  ASSERT_TRUE(recognizer_->Start().ok());
  EXPECT_EQ(inner_->starts, 1);
  const RecognizerStats stats = recognizer_->Stats();
  EXPECT_EQ(stats.engines_total, 3);
  EXPECT_EQ(stats.engines_busy, 1);
  EXPECT_EQ(stats.queue_depth, 2);
  EXPECT_EQ(stats.queue_capacity, 64);
  EXPECT_EQ(stats.cache_capacity_bytes, 1 << 20);
  recognizer_->Stop();
  EXPECT_EQ(inner_->stops, 1);
}

TEST(RecognizerStatsTest, CacheFieldsAreZeroWithoutACache) {
  const RecognizerStats stats;
  EXPECT_EQ(stats.cache_capacity_bytes, 0);
  EXPECT_EQ(stats.cache_bytes, 0);
  EXPECT_EQ(stats.cache_entries, 0);
  EXPECT_EQ(stats.cache_hits, 0);
  EXPECT_EQ(stats.cache_misses, 0);
  EXPECT_EQ(stats.cache_evictions, 0);
}

}  // namespace
}  // namespace ocr
