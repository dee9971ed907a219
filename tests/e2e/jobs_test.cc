// Asynchronous jobs end to end: a real model server and gateway on
// loopback, real Tesseract. A job's result is the bytes /gateway/ocr answers
// for the same file and options; documents are read page by page.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "jobs_fixture.h"
#include "support/pdf_builder.h"

namespace ocr::testing {
namespace {

HttpResult Submit(int port, const std::string& content,
                  const std::string& query = "", Headers headers = {},
                  const std::string& path = "/gateway/jobs") {
  return PostFile(port, content, query, std::move(headers), path);
}

std::string Sample() { return ReadFile(ImagePath("pyt-test.png")); }

class JobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = StartModel({"--engines=2"}).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  void SetUp() override {
    gateway_ = StartGateway({model_->port()}, {"--job-dir=" + JobDir()});
  }
  std::string JobDir() {
    if (dir_.empty()) {
      dir_ = (std::filesystem::temp_directory_path() /
              ("ocr-jobs-test-" + std::to_string(getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                 .string();
      std::filesystem::remove_all(dir_);
    }
    return dir_;
  }
  void TearDown() override {
    gateway_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  int port() const { return gateway_->port(); }

  static ServerProcess* model_;
  std::unique_ptr<ServerProcess> gateway_;
  std::string dir_;
};
ServerProcess* JobsTest::model_ = nullptr;

TEST_F(JobsTest, AnImageJobAnswers202ThenItsResultIsWhatOcrAnswers) {
  const auto r = Submit(port(), Sample());
  ASSERT_EQ(r.status, 202) << r.body;
  const auto job = Json(r.body);
  const std::string id = job["id"];
  EXPECT_EQ(r.Header("location"), "/gateway/jobs/" + id);
  EXPECT_FALSE(r.Header("retry-after").empty());
  EXPECT_TRUE(job["status"] == "queued" || job["status"] == "running");

  const auto done = WaitFinal(port(), id);
  EXPECT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["pages_total"], 1);
  EXPECT_EQ(done["pages_done"], 1);
  EXPECT_EQ(done["pages_failed"], 0);
  EXPECT_TRUE(done["eta_seconds"].is_null());

  // Byte for byte what /gateway/ocr answers (its V2 id is the request id).
  const auto result = HttpGet(port(), "/gateway/jobs/" + id + "/result");
  ASSERT_EQ(result.status, 200) << result.body;
  const auto direct = Upload(port(), Sample(), "", {{"X-Request-ID", id}});
  ASSERT_EQ(direct.status, 200);
  EXPECT_EQ(result.body, direct.body);
  EXPECT_EQ(result.Header("content-type"), direct.Header("content-type"));

  const auto text = HttpGet(port(), "/gateway/jobs/" + id + "/result",
                            {{"Accept", "text/plain"}});
  EXPECT_EQ(text.status, 200);
  EXPECT_EQ(text.body, FirstOutput(direct));

  const auto pages = HttpGet(port(), "/gateway/jobs/" + id + "/pages");
  ASSERT_EQ(pages.status, 200);
  EXPECT_EQ(pages.Header("content-type"), "application/x-ndjson");
  const auto line = Json(pages.body.substr(0, pages.body.find('\n')));
  EXPECT_EQ(line["page"], 1);
  EXPECT_EQ(line["status"], "succeeded");
  EXPECT_EQ(line["text"], FirstOutput(direct));
  EXPECT_GT(line["mean_confidence"].get<double>(), 50);
  EXPECT_GT(line["ms"].get<int>(), 0);
}

TEST_F(JobsTest, EveryOutputOfAJobIsWhatOcrAnswersForIt) {
  for (const std::string output : {"hocr", "alto", "tsv", "json"}) {
    const auto r = Submit(port(), Sample(), "?output=" + output);
    ASSERT_EQ(r.status, 202) << r.body;
    const std::string id = Json(r.body)["id"];
    EXPECT_EQ(WaitFinal(port(), id)["status"], "succeeded");
    const auto result =
        HttpGet(port(), "/gateway/jobs/" + id + "/result?output=" + output);
    const auto direct = Upload(port(), Sample(), "?output=" + output);
    ASSERT_EQ(result.status, 200) << output << ": " << result.body;
    EXPECT_EQ(result.body, direct.body) << output;
    EXPECT_EQ(result.Header("content-type"), direct.Header("content-type"));
    // Another output than the job's is refused, saying which it has.
    ExpectDetail(HttpGet(port(), "/gateway/jobs/" + id + "/result?output=" +
                                     (output == "tsv" ? "hocr" : "tsv")),
                 400, "output=" + output);
  }
}

TEST_F(JobsTest, PreferRespondAsyncTurnsOcrIntoAJob) {
  const auto r = Submit(port(), Sample(), "", {{"Prefer", "respond-async"}},
                        "/gateway/ocr");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.Header("preference-applied"), "respond-async");
  const std::string id = Json(r.body)["id"];
  EXPECT_EQ(r.Header("location"), "/gateway/jobs/" + id);
  EXPECT_EQ(WaitFinal(port(), id)["status"], "succeeded");
}

TEST_F(JobsTest, AnIdempotencyKeyReturnsTheJobItMade) {
  const Headers key = {{"Idempotency-Key", "\"order-1234\""}};
  const auto first = Submit(port(), Sample(), "", key);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto again = Submit(port(), Sample(), "", key);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(Json(again.body)["id"], Json(first.body)["id"]);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  // The same key with another request: 422.
  ExpectDetail(Submit(port(), Sample(), "?psm=6", key), 422, "Idempotency-Key");
  ExpectDetail(Submit(port(), Sample(), "", {{"Idempotency-Key", "\"\""}}), 400,
               "Idempotency-Key");
}

TEST_F(JobsTest, UnknownJobsAndBadRequestsGetClearErrors) {
  ExpectDetail(HttpGet(port(), "/gateway/jobs/0123456789abcdefghjkmnpqrs"), 404,
               "no job");
  ExpectDetail(HttpGet(port(), "/gateway/jobs/..%2F..%2Fetc%2Fpasswd"), 404,
               "no job");
  ExpectDetail(HttpCall(port(), "DELETE", "/gateway/jobs/nope", "", {}), 404,
               "no job");
  ExpectDetail(Submit(port(), "plain text, not an image"), 415,
               "not a supported image");
  ExpectDetail(Submit(port(), Sample(), "?output=docx"), 400, "output");
  const auto r = Submit(port(), Sample());
  const std::string id = Json(r.body)["id"];
  ExpectDetail(HttpGet(port(), "/gateway/jobs/" + id + "?wait=61"), 400,
               "wait");
  ExpectDetail(HttpGet(port(), "/gateway/jobs/" + id + "/pages?after=-1"), 400,
               "after");
  WaitFinal(port(), id);
}

TEST_F(JobsTest, DeleteCancelsAndPurgesAJob) {
  const auto r = Submit(port(), Sample());
  const std::string id = Json(r.body)["id"];
  const auto deleted =
      HttpCall(port(), "DELETE", "/gateway/jobs/" + id, "", {});
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  ExpectDetail(HttpGet(port(), "/gateway/jobs/" + id), 404, "no job");
  ExpectDetail(HttpGet(port(), "/gateway/jobs/" + id + "/result"), 404,
               "no job");
}

TEST_F(JobsTest, FinishedJobsAreDeletedAfterTheRetentionTime) {
  gateway_ = StartGateway({model_->port()},
                          {"--job-dir=" + JobDir(), "--job-retention=1"});
  const auto r = Submit(port(), Sample());
  const std::string id = Json(r.body)["id"];
  EXPECT_EQ(WaitFinal(port(), id)["status"], "succeeded");
  int status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = HttpGet(port(), "/gateway/jobs/" + id).status;
  }
  EXPECT_EQ(status, 404);
}

TEST_F(JobsTest, AJobSurvivesARestartOfTheGateway) {
  const auto r = Submit(port(), Sample());
  const std::string id = Json(r.body)["id"];
  gateway_->Signal(SIGKILL);
  gateway_->WaitExit(std::chrono::seconds(5));
  gateway_ = StartGateway({model_->port()}, {"--job-dir=" + JobDir()});
  EXPECT_EQ(WaitFinal(port(), id)["status"], "succeeded");
  const auto result = HttpGet(port(), "/gateway/jobs/" + id + "/result");
  const auto direct = Upload(port(), Sample(), "", {{"X-Request-ID", id}});
  EXPECT_EQ(result.body, direct.body);
}

// A one-page PDF that carries `junk` bytes in an object no page uses.
std::string PdfWithJunk(size_t junk) {
  return BuildPdf({"<< /Type /Catalog /Pages 2 0 R >>",
                   "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
                   Stream(std::string(junk, 'j'))});
}

int64_t RssKiB(pid_t pid) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

TEST_F(JobsTest, A256MiBUploadGoesToDiskNotMemory) {
  const std::string pdf = PdfWithJunk(256u << 20);
  const int64_t before = RssKiB(gateway_->pid());
  std::atomic<int64_t> peak{before};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max<int64_t>(peak, RssKiB(gateway_->pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto r = Submit(port(), pdf);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto status = WaitFinal(port(), Json(r.body)["id"]);
  done = true;
  sampler.join();
  EXPECT_EQ(status["status"], "succeeded") << status.dump();
  EXPECT_EQ(status["pages_total"], 1);
  EXPECT_LT(peak - before, 64 * 1024)
      << "the gateway's RSS grew by " << (peak - before) / 1024
      << " MiB for a 256 MiB upload";
  // Over --max-job-bytes: 413 from Content-Length, before the body is read.
  gateway_ = StartGateway({model_->port()},
                          {"--job-dir=" + JobDir(), "--max-job-bytes=1m"});
  ExpectDetail(Submit(port(), PdfWithJunk(2u << 20)), 413, "limit");
}

}  // namespace
}  // namespace ocr::testing
