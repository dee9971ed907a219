// A Recognizer without engines, for tests of the inference core: it reads
// an image as "text:" + its bytes, and a recorder of InferenceCore::Done.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model_server/core/inference_core.h"

namespace ocr {

// Completes tasks inline or, when
// `threaded`, on one thread per task, the last task first.
class FakeRecognizer : public Recognizer {
 public:
  ~FakeRecognizer() override { Stop(); }

  Status Start() override { return start_status; }

  Status DoSubmit(std::vector<RecognitionTask> tasks,
                  Admission /*admission*/) override {
    if (!refuse.ok()) return refuse;
    ++submits;
    const size_t n = tasks.size();
    for (size_t i = 0; i < n; ++i) {
      seen_options.push_back(tasks[i].options);
      seen_cancel.push_back(tasks[i].cancelled);
      if (!threaded) {
        Complete(std::move(tasks[i]));
        continue;
      }
      std::lock_guard lock(mu_);
      threads_.emplace_back([this,
                             delay = std::chrono::milliseconds(3 * (n - i)),
                             task = std::move(tasks[i])]() mutable {
        std::this_thread::sleep_for(delay);
        Complete(std::move(task));
      });
    }
    return OkStatus();
  }

  void Stop() override {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  RecognizerStats Stats() const override {
    RecognizerStats stats;
    stats.engines_alive = 1;
    return stats;
  }

  Status start_status;
  Status refuse;
  bool threaded = false;
  std::string fail_image;  // recognising this image fails with fail_status
  Status fail_status = InternalError("engine exploded");
  int submits = 0;
  std::vector<OcrOptions> seen_options;
  std::vector<CancelFlag> seen_cancel;

 private:
  void Complete(RecognitionTask task) {
    if (!fail_image.empty() && task.file->bytes() == fail_image) {
      task.done(fail_status);
      return;
    }
    OcrResult result;
    result.text = "text:" + std::string(task.file->bytes());
    task.done(std::move(result));
  }

  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// Records every call of `done` (or of a CallFinish) and lets the test wait
// for the first.
class DoneRecorder {
 public:
  InferenceCore::Done Callback() {
    return [this](StatusOr<InferResponse> r) {
      std::lock_guard lock(mu_);
      ++calls_;
      if (r.ok()) {
        response_ = std::move(r).value();
      } else {
        status_ = r.status();
      }
      cv_.notify_all();
    };
  }
  // The same, as InferenceCore::Call's `finish` (the status only).
  CallFinish FinishCallback() {
    return [this](const Status& status, const CallSummary&) {
      std::lock_guard lock(mu_);
      ++calls_;
      status_ = status;
      cv_.notify_all();
    };
  }
  // Waits for the first call and returns its status.
  Status Wait() {
    std::unique_lock lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10),
                             [this] { return calls_ > 0; }));
    return status_;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  const InferResponse& response() const { return response_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  Status status_;
  InferResponse response_;
};

}  // namespace ocr
