#include "model_server/core/inference_core.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_recognizer.h"

namespace ocr {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

class InferenceCoreTest : public ::testing::Test {
 protected:
  InferenceCoreTest() {
    auto fake = std::make_unique<FakeRecognizer>();
    fake_ = fake.get();
    CoreOptions options;
    options.installed_languages = {"eng", "osd"};
    options.max_timeout = milliseconds(2000);
    core_ = std::make_unique<InferenceCore>(options, std::move(fake), &metrics_,
                                            io_.get_executor());
  }

  static InferRequest Request(std::vector<std::string> images) {
    InferRequest r;
    r.id = "req-1";
    r.model_name = "ocr-model";
    for (auto& image : images) r.images.push_back(ShareFile(std::move(image)));
    return r;
  }

  // Runs Infer, waits for `done`, joins the fake's threads and checks that
  // `done` ran exactly once.
  Status Run(InferRequest request) {
    core_->Infer(std::move(request), recorder_.Callback());
    Status s = recorder_.Wait();
    fake_->Stop();
    EXPECT_EQ(recorder_.calls(), 1);
    return s;
  }

  // Declared before the core so they outlive it.
  prometheus::Registry registry_;
  ErrorCounter errors_{registry_, "ocr-model"};
  CoreMetrics metrics_{registry_, &errors_};
  boost::asio::io_context io_;
  DoneRecorder recorder_;
  FakeRecognizer* fake_ = nullptr;
  std::unique_ptr<InferenceCore> core_;
};

TEST_F(InferenceCoreTest, InferBeforeStartIsUnavailable) {
  EXPECT_FALSE(core_->Ready());
  Status s = Run(Request({"a"}));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("not ready"), std::string::npos) << s.message();
  EXPECT_EQ(fake_->submits, 0);
}

TEST_F(InferenceCoreTest, FailedStartStaysNotReady) {
  fake_->start_status = InternalError("no tessdata");
  EXPECT_EQ(core_->Start().code(), StatusCode::kInternal);
  EXPECT_FALSE(core_->Ready());
}

TEST_F(InferenceCoreTest, BatchTextsComeBackInInputOrder) {
  ASSERT_TRUE(core_->Start().ok());
  EXPECT_TRUE(core_->Ready());
  fake_->threaded = true;  // the last image completes first
  Status s = Run(Request({"0", "1", "2", "3", "4"}));
  ASSERT_TRUE(s.ok()) << s.ToString();
  const InferResponse& r = recorder_.response();
  EXPECT_EQ(r.id, "req-1");
  EXPECT_EQ(r.model_name, "ocr-model");
  ASSERT_EQ(r.results.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.results[i].text, "text:" + std::to_string(i));
  }
  EXPECT_EQ(fake_->submits, 1);
}

TEST_F(InferenceCoreTest, TasksCarryResolvedOptions) {
  ASSERT_TRUE(core_->Start().ok());
  InferRequest req = Request({"a", "b"});
  req.options.lang = "eng+osd";
  req.options.psm = 6;
  req.options.dpi = 300;
  ASSERT_TRUE(Run(std::move(req)).ok());
  ASSERT_EQ(fake_->seen_options.size(), 2u);
  for (const OcrOptions& o : fake_->seen_options) {
    EXPECT_EQ(o.lang, "eng+osd");
    EXPECT_EQ(o.psm, 6);
    EXPECT_EQ(o.dpi, 300);
  }
}

TEST_F(InferenceCoreTest, UnknownModelOrVersionIsNotFound) {
  ASSERT_TRUE(core_->Start().ok());
  InferRequest req = Request({"a"});
  req.model_name = "other";
  Status s = Run(std::move(req));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("other"), std::string::npos) << s.message();

  EXPECT_EQ(core_->CheckModel("ocr-model", "2").code(), StatusCode::kNotFound);
  EXPECT_TRUE(core_->CheckModel("ocr-model", "1").ok());
  EXPECT_TRUE(core_->CheckModel("ocr-model", "").ok());
  EXPECT_EQ(core_->CheckModel("", "").code(), StatusCode::kNotFound);
  EXPECT_EQ(fake_->submits, 0);
}

TEST_F(InferenceCoreTest, WrongVersionIsNotFoundEmptyVersionOk) {
  ASSERT_TRUE(core_->Start().ok());
  InferRequest wrong = Request({"a"});
  wrong.model_version = "7";
  Status s = Run(std::move(wrong));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("'7'"), std::string::npos) << s.message();

  DoneRecorder second;
  core_->Infer(Request({"a"}), second.Callback());  // empty version
  EXPECT_TRUE(second.Wait().ok());
  EXPECT_EQ(second.calls(), 1);
  EXPECT_EQ(second.response().results.at(0).text, "text:a");
}

TEST_F(InferenceCoreTest, NoImagesIsInvalidArgument) {
  ASSERT_TRUE(core_->Start().ok());
  Status s = Run(Request({}));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_->submits, 0);
}

TEST_F(InferenceCoreTest, BadOptionsFailInferWithoutSubmitting) {
  ASSERT_TRUE(core_->Start().ok());
  InferRequest req = Request({"a"});
  req.options.psm = 14;
  EXPECT_EQ(Run(std::move(req)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_->submits, 0);
}

TEST_F(InferenceCoreTest, ResolveOptionsLanguage) {
  auto def = core_->ResolveOptions({});
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->lang, "eng");
  EXPECT_EQ(def->psm, 3);
  EXPECT_EQ(def->dpi, 0);

  RequestedOptions both;
  both.lang = "eng+osd";
  auto ok = core_->ResolveOptions(both);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->lang, "eng+osd");

  for (const char* bad : {"xyz", "eng+xyz", "", "eng+", "+eng", "ENG"}) {
    RequestedOptions req;
    req.lang = bad;
    auto r = core_->ResolveOptions(req);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    if (std::string(bad).empty()) continue;
    EXPECT_NE(r.status().message().find("eng, osd"), std::string::npos)
        << r.status().message();
  }
}

TEST_F(InferenceCoreTest, ResolveOptionsPsmAndDpi) {
  for (int64_t psm : {2, -1, 14}) {
    RequestedOptions req;
    req.psm = psm;
    auto r = core_->ResolveOptions(req);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << psm;
  }
  for (int64_t psm : {0, 1, 6, 13}) {
    RequestedOptions req;
    req.psm = psm;
    auto r = core_->ResolveOptions(req);
    ASSERT_TRUE(r.ok()) << psm;
    EXPECT_EQ(r->psm, psm);
  }
  for (int64_t dpi : {50, 69, 2401, -300}) {
    RequestedOptions req;
    req.dpi = dpi;
    auto r = core_->ResolveOptions(req);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << dpi;
  }
  for (int64_t dpi : {0, 70, 300, 2400}) {
    RequestedOptions req;
    req.dpi = dpi;
    auto r = core_->ResolveOptions(req);
    ASSERT_TRUE(r.ok()) << dpi;
    EXPECT_EQ(r->dpi, dpi);
  }
}

TEST_F(InferenceCoreTest, DeadlineHonoursAndCapsTimeout) {
  const Clock::time_point t0 = Clock::now();
  EXPECT_EQ(core_->Deadline(t0, std::nullopt), t0 + milliseconds(2000));
  EXPECT_EQ(core_->Deadline(t0, 500000), t0 + microseconds(500000));
  EXPECT_EQ(core_->Deadline(t0, 1), t0 + microseconds(1));
  EXPECT_EQ(core_->Deadline(t0, 5000000), t0 + milliseconds(2000));
  EXPECT_EQ(core_->Deadline(t0, 0), t0 + milliseconds(2000));
  EXPECT_EQ(core_->Deadline(t0, -5), t0 + milliseconds(2000));
}

TEST_F(InferenceCoreTest, OneFailingImageFailsTheRequestAndCancels) {
  ASSERT_TRUE(core_->Start().ok());
  fake_->threaded = true;
  fake_->fail_image = "bad";
  fake_->fail_status = {StatusCode::kUnsupportedMediaType, "not an image"};
  InferRequest req = Request({"a", "b", "bad", "d"});
  const CancelFlag cancel = req.cancelled;
  Status s = Run(std::move(req));
  EXPECT_EQ(s.code(), StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(s.message(), "image 2: not an image");
  EXPECT_TRUE(cancel->load());
  ASSERT_EQ(fake_->seen_cancel.size(), 4u);
  EXPECT_EQ(fake_->seen_cancel[0], cancel);  // tasks share the request's flag
}

TEST_F(InferenceCoreTest, SingleFailingImageHasNoPrefix) {
  ASSERT_TRUE(core_->Start().ok());
  fake_->fail_image = "bad";
  InferRequest req = Request({"bad"});
  const CancelFlag cancel = req.cancelled;
  Status s = Run(std::move(req));
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "engine exploded");
  EXPECT_TRUE(cancel->load());
}

TEST_F(InferenceCoreTest, SubmitRefusalPassesThrough) {
  ASSERT_TRUE(core_->Start().ok());
  fake_->refuse = UnavailableError("queue full");
  Status s = Run(Request({"a", "b"}));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "queue full");
}

TEST_F(InferenceCoreTest, BeginShutdownRefusesNewWork) {
  ASSERT_TRUE(core_->Start().ok());
  ASSERT_TRUE(core_->Ready());
  core_->BeginShutdown();
  EXPECT_FALSE(core_->Ready());
  Status s = Run(Request({"a"}));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("shutting down"), std::string::npos)
      << s.message();
  EXPECT_EQ(fake_->submits, 0);
  // Start after shutdown began does not make the core ready again.
  ASSERT_TRUE(core_->Start().ok());
  EXPECT_FALSE(core_->Ready());
}

TEST(CheckLanguageTest, ListsInstalled) {
  Status s = CheckLanguage("fra", {"eng", "deu"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'fra'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("eng, deu"), std::string::npos) << s.message();
  EXPECT_TRUE(CheckLanguage("deu+eng", {"eng", "deu"}).ok());
}

}  // namespace
}  // namespace ocr
