// InferenceCore::Call, the request policy of every front end: a decoder or
// encoder that throws still finishes the call, once, as kInternal, and the
// failure is counted.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/metrics.h"
#include "fake_recognizer.h"
#include "model_server/core/inference_core.h"

namespace ocr {
namespace {

class InferenceCallTest : public ::testing::Test {
 protected:
  InferenceCallTest() {
    auto fake = std::make_unique<FakeRecognizer>();
    fake_ = fake.get();
    CoreOptions options;
    options.max_timeout = std::chrono::milliseconds(5000);
    core_ = std::make_unique<InferenceCore>(options, std::move(fake), &metrics_,
                                            io_.get_executor());
    EXPECT_TRUE(core_->Start().ok());
  }

  static CallInfo Info(std::string model = "ocr-model") {
    CallInfo info;
    info.model_name = std::move(model);
    info.request_id = "rid-1";
    return info;
  }
  static StatusOr<InferRequest> OneImage() {
    InferRequest request;
    request.images.push_back(ShareFile(std::string("a")));
    return request;
  }
  double Errors(const std::string& model, const std::string& reason) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != "request_errors_total") continue;
      for (const auto& metric : family.metric) {
        bool match = true;
        for (const auto& label : metric.label) {
          if (label.name == "model_name") match &= label.value == model;
          if (label.name == "reason") match &= label.value == reason;
        }
        if (match) return metric.counter.value;
      }
    }
    return 0;
  }

  prometheus::Registry registry_;
  ErrorCounter errors_{registry_, "ocr-model"};
  CoreMetrics metrics_{registry_, &errors_};
  boost::asio::io_context io_;
  FakeRecognizer* fake_ = nullptr;
  std::unique_ptr<InferenceCore> core_;
  DoneRecorder finished_;
};

TEST_F(InferenceCallTest, AThrowingEncoderFinishesTheCallAsInternal) {
  fake_->threaded = true;  // the encoder runs on an "engine" thread
  core_->Call(
      Info(), [] { return OneImage(); },
      [](const InferResponse&) { throw std::runtime_error("encoder broke"); },
      finished_.FinishCallback());
  const Status s = finished_.Wait();
  fake_->Stop();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("encoding the response failed: encoder broke"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(finished_.calls(), 1);
  EXPECT_EQ(Errors("ocr-model", "internal"), 1);
  EXPECT_EQ(core_->ModelStatistics().fail.count, 1u);
}

TEST_F(InferenceCallTest, AThrowingDecoderFinishesTheCallAsInternal) {
  core_->Call(
      Info(), []() -> StatusOr<InferRequest> { throw 42; },
      [](const InferResponse&) {}, finished_.FinishCallback());
  const Status s = finished_.Wait();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("decoding the request failed"), std::string::npos)
      << s.message();
  EXPECT_EQ(finished_.calls(), 1);
  EXPECT_EQ(fake_->submits, 0);
  EXPECT_EQ(Errors("ocr-model", "internal"), 1);
}

TEST_F(InferenceCallTest, AThrowingFinishIsCalledOnce) {
  int calls = 0;
  core_->Call(
      Info(), [] { return OneImage(); }, [](const InferResponse&) {},
      [&calls](const Status&, const CallSummary&) {
        ++calls;
        throw std::runtime_error("front end broke");
      });
  EXPECT_EQ(calls, 1);  // the fake completes inline
}

TEST_F(InferenceCallTest, AGoodCallStillSucceeds) {
  std::string encoded;
  core_->Call(
      Info(), [] { return OneImage(); },
      [&encoded](const InferResponse& r) { encoded = r.results.at(0).text; },
      finished_.FinishCallback());
  EXPECT_TRUE(finished_.Wait().ok());
  EXPECT_EQ(encoded, "text:a");
}

// request_errors_total takes the name a client sends only when it is
// served: any other is one label value, so clients cannot make series.
TEST_F(InferenceCallTest, UnknownModelsShareOneErrorLabel) {
  for (const char* name : {"nope", "other", "x-1"}) {
    DoneRecorder finished;
    core_->Call(
        Info(name), [] { return OneImage(); }, [](const InferResponse&) {},
        finished.FinishCallback());
    EXPECT_EQ(finished.Wait().code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(Errors(std::string(kUnknownModelLabel), "not_found"), 3);
  EXPECT_EQ(Errors("nope", "not_found"), 0);
}

}  // namespace
}  // namespace ocr
