// Documents as jobs end to end: a PDF or TIFF is split into pages, read on
// every endpoint, and assembled into exactly the document the model writes
// for the whole file, in every output; /gateway/ocr uses the same fan-out
// and hands over a job when the deadline passes; a gateway killed mid-job
// finishes it after a restart with the same bytes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "jobs_fixture.h"

namespace ocr::testing {
namespace {

std::string TempDir(const std::string& name) {
  return JobsTempDir("docs-" + name);
}

HttpResult Post(int port, const std::string& path, const std::string& content,
                const std::string& query = "", Headers headers = {}) {
  return PostFile(port, content, query, std::move(headers), path);
}

// The model's own answer for the whole document (every page on one model
// call), as the gateway answered documents before jobs.
std::string ModelDocument(int model_port, const std::string& file,
                          const std::string& output) {
  return FirstOutput(
      InferFile(model_port, file, "\"output\":\"" + output + "\""));
}

class JobDocumentsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir("docs"));
    const std::string a = ImagePath("pyt-test.png");
    const std::string b = ImagePath("gos-001-helloworld.png");
    const std::string c = ImagePath("tjs-simple.png");
    int rc = 0;
    RunCommand("convert " + a + " " + b + " " + c + " -compress lzw " + *dir_ +
                   "/three.tif",
               &rc);
    ASSERT_EQ(rc, 0);
    RunCommand(
        "img2pdf " + a + " " + b + " " + c + " -o " + *dir_ + "/three.pdf",
        &rc);
    ASSERT_EQ(rc, 0);
    std::string twelve;
    for (int i = 0; i < 12; ++i) twelve += " " + a;
    RunCommand("img2pdf" + twelve + " -o " + *dir_ + "/twelve.pdf", &rc);
    ASSERT_EQ(rc, 0);
    RunCommand("img2pdf" + twelve + twelve + twelve + " -o " + *dir_ +
                   "/thirty-six.pdf",
               &rc);
    ASSERT_EQ(rc, 0);
    model_ = StartModel({"--engines=2"}).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Doc(const std::string& name) { return *dir_ + "/" + name; }

  static std::string* dir_;
  static ServerProcess* model_;
};
std::string* JobDocumentsTest::dir_ = nullptr;
ServerProcess* JobDocumentsTest::model_ = nullptr;

TEST_F(JobDocumentsTest, EveryOutputIsTheModelsOwnDocumentByteForByte) {
  auto gateway = StartGateway({model_->port()});
  for (const std::string file : {"three.tif", "three.pdf"}) {
    const std::string bytes = ReadFile(Doc(file));
    for (const std::string output : {"text", "json", "hocr", "alto", "tsv"}) {
      SCOPED_TRACE(file + " output=" + output);
      const std::string model =
          ModelDocument(model_->port(), Doc(file), output);
      ASSERT_FALSE(model.empty());
      // /gateway/ocr: pages fanned out, assembled.
      const auto direct = Post(gateway->port(), "/gateway/ocr", bytes,
                               "?output=" + output, {{"Accept", "text/plain"}});
      ASSERT_EQ(direct.status, 200) << direct.body;
      EXPECT_EQ(direct.body, model);
      // The job: the same bytes.
      const auto r =
          Post(gateway->port(), "/gateway/jobs", bytes, "?output=" + output);
      ASSERT_EQ(r.status, 202) << r.body;
      const std::string id = Json(r.body)["id"];
      const auto done = WaitFinal(gateway->port(), id);
      EXPECT_EQ(done["status"], "succeeded");
      EXPECT_EQ(done["pages_total"], 3);
      const auto result =
          HttpGet(gateway->port(), "/gateway/jobs/" + id + "/result",
                  {{"Accept", "text/plain"}});
      EXPECT_EQ(result.body, model);
    }
  }
}

TEST_F(JobDocumentsTest, SelectedPagesKeepTheirNumbers) {
  auto gateway = StartGateway({model_->port()});
  const auto r = Post(gateway->port(), "/gateway/jobs",
                      ReadFile(Doc("three.pdf")), "?pages=2-3&output=json");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  EXPECT_EQ(WaitFinal(gateway->port(), id)["pages_total"], 2);
  const auto json =
      Json(HttpGet(gateway->port(), "/gateway/jobs/" + id + "/result").body);
  ASSERT_EQ(json["pages"].size(), 2u);
  EXPECT_EQ(json["pages"][0]["page"], 2);
  EXPECT_EQ(json["pages"][1]["page"], 3);
  const auto model =
      Json(FirstOutput(InferFile(model_->port(), Doc("three.pdf"),
                                 "\"output\":\"json\",\"pages\":\"2-3\"")));
  EXPECT_EQ(json, model);
  // The page stream: one record per page, resumable.
  const auto pages = HttpGet(gateway->port(), "/gateway/jobs/" + id + "/pages");
  EXPECT_EQ(std::count(pages.body.begin(), pages.body.end(), '\n'), 2);
  const auto rest =
      HttpGet(gateway->port(), "/gateway/jobs/" + id + "/pages?after=1");
  EXPECT_EQ(std::count(rest.body.begin(), rest.body.end(), '\n'), 1);
  // A page past the end: 400 naming the page count, as the model says it.
  const auto bad = Post(gateway->port(), "/gateway/jobs",
                        ReadFile(Doc("three.pdf")), "?pages=7");
  ASSERT_EQ(bad.status, 202);
  const auto failed = WaitFinal(gateway->port(), Json(bad.body)["id"]);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_NE(failed["detail"].get<std::string>().find("3 pages"),
            std::string::npos)
      << failed.dump();
}

TEST_F(JobDocumentsTest, OcrPastItsDeadlineAnswers504WithTheJobThatGoesOn) {
  auto gateway = StartGateway({model_->port()}, {"--timeout=1"});
  const auto r =
      Post(gateway->port(), "/gateway/ocr", ReadFile(Doc("thirty-six.pdf")));
  ASSERT_EQ(r.status, 504) << r.body;
  const std::string location = r.Header("location");
  ASSERT_EQ(location.rfind("/gateway/jobs/", 0), 0u) << r.body;
  const std::string id = location.substr(14);
  const auto done = WaitFinal(gateway->port(), id);
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(done["pages_done"], 36);
  const auto text = HttpGet(gateway->port(), location + "/result",
                            {{"Accept", "text/plain"}});
  std::string expected;
  const std::string page =
      ModelDocument(model_->port(), Doc("three.pdf"), "text");
  const std::string first = page.substr(0, page.find('\f'));
  for (int i = 0; i < 36; ++i) expected += (i ? "\f" : "") + first;
  EXPECT_EQ(text.body, expected);
}

TEST_F(JobDocumentsTest, AGatewayKilledMidJobFinishesItWithTheSameBytes) {
  const std::string dir = TempDir("kill");
  auto gateway = StartGateway({model_->port()}, {"--job-dir=" + dir});
  const auto r = Post(gateway->port(), "/gateway/jobs",
                      ReadFile(Doc("twelve.pdf")), "?output=json");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  // Kill it once some pages are read, before all are.
  WaitPagesDone(gateway->port(), id, 2);
  gateway->Signal(SIGKILL);
  gateway->WaitExit(std::chrono::seconds(5));
  gateway = StartGateway({model_->port()}, {"--job-dir=" + dir});
  const auto done = WaitFinal(gateway->port(), id);
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(done["pages_done"], 12);
  const auto result =
      HttpGet(gateway->port(), "/gateway/jobs/" + id + "/result");
  EXPECT_EQ(result.body,
            ModelDocument(model_->port(), Doc("twelve.pdf"), "json"));
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(JobDocumentsTest, SigtermStopsTheGatewayAndItsJobGoesOnAtTheNextStart) {
  const std::string dir = TempDir("sigterm");
  auto gateway = StartGateway({model_->port()}, {"--job-dir=" + dir});
  const auto r =
      Post(gateway->port(), "/gateway/jobs", ReadFile(Doc("twelve.pdf")));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  WaitPagesDone(gateway->port(), id, 1);
  gateway->Signal(SIGTERM);
  const auto code = gateway->WaitExit(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "the gateway did not exit on SIGTERM";
  EXPECT_EQ(*code, 0);
  gateway = StartGateway({model_->port()}, {"--job-dir=" + dir});
  const auto done = WaitFinal(gateway->port(), id);
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(done["pages_done"], 12);
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(JobDocumentsTest, ThePageStreamFollowsTheJobAndResumes) {
  auto gateway = StartGateway({model_->port()});
  const auto r =
      Post(gateway->port(), "/gateway/jobs", ReadFile(Doc("twelve.pdf")));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  // Asked at once, the stream ends only when the job does: every page.
  const auto ndjson =
      HttpGet(gateway->port(), "/gateway/jobs/" + id + "/pages");
  ASSERT_EQ(ndjson.status, 200);
  EXPECT_EQ(ndjson.Header("transfer-encoding"), "chunked");
  std::istringstream lines(ndjson.body);
  std::set<int> pages;
  for (std::string line; std::getline(lines, line);) {
    const auto record = Json(line);
    EXPECT_EQ(record["status"], "succeeded");
    EXPECT_NE(record["text"].get<std::string>().find("quick brown"),
              std::string::npos);
    pages.insert(record["page"].get<int>());
  }
  EXPECT_EQ(pages.size(), 12u);
  EXPECT_EQ(
      Json(HttpGet(gateway->port(), "/gateway/jobs/" + id).body)["status"],
      "succeeded");
  // Resumed after the 10th record: the last 2.
  const auto rest =
      HttpGet(gateway->port(), "/gateway/jobs/" + id + "/pages?after=10");
  EXPECT_EQ(std::count(rest.body.begin(), rest.body.end(), '\n'), 2);
  // Server-Sent Events: numbered page events, then the end with the status.
  const auto sse =
      HttpGet(gateway->port(), "/gateway/jobs/" + id + "/pages",
              {{"Accept", "text/event-stream"}, {"Last-Event-ID", "9"}});
  EXPECT_EQ(sse.Header("content-type"), "text/event-stream");
  EXPECT_NE(sse.body.find("id: 10\nevent: page\ndata: {"), std::string::npos)
      << sse.body;
  EXPECT_EQ(sse.body.find("id: 9\n"), std::string::npos);
  EXPECT_NE(sse.body.find("event: end\ndata: {\"id\":\"" + id),
            std::string::npos);
}

TEST_F(JobDocumentsTest, DeleteStopsThePagesOnTheEnginesWithinASecond) {
  auto gateway = StartGateway({model_->port()});
  const auto r =
      Post(gateway->port(), "/gateway/jobs", ReadFile(Doc("thirty-six.pdf")));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  WaitPagesDone(gateway->port(), id, 2);
  const auto busy = [this] {
    return Metric(HttpGet(model_->port(), "/metrics").body, "ocr_engines_busy");
  };
  EXPECT_GT(busy(), 0);
  EXPECT_EQ(
      HttpCall(gateway->port(), "DELETE", "/gateway/jobs/" + id, "", {}).status,
      204);
  const auto deleted = std::chrono::steady_clock::now();
  double engines = 1;
  while (engines > 0 &&
         std::chrono::steady_clock::now() - deleted < std::chrono::seconds(1)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    engines = busy();
  }
  EXPECT_EQ(engines, 0) << "engines still busy 1 s after DELETE";
  EXPECT_EQ(HttpGet(gateway->port(), "/gateway/jobs/" + id).status, 404);
}

}  // namespace
}  // namespace ocr::testing
