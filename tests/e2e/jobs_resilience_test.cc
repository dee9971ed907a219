// Jobs when things go wrong or scale out: a document's pages spread over
// two model processes, a page that cannot be read leaves the others' text
// (partially_succeeded), and a damaged job database stops the gateway with
// a clear message instead of being replaced.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "jobs_fixture.h"

namespace ocr::testing {
namespace {

std::string TempDir(const std::string& name) {
  return JobsTempDir("res-" + name);
}

HttpResult SubmitJob(int port, const std::string& content,
                     const std::string& query = "") {
  return PostFile(port, content, query);
}

uint32_t Read32(const std::string& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
uint16_t Read16(const std::string& b, size_t at) {
  uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}

// Overwrites the first strip of page `page` (0-based) of a little-endian
// TIFF with bytes no decoder accepts.
void SpoilPage(std::string& tiff, int page) {
  ASSERT_EQ(tiff.substr(0, 2), "II");
  uint32_t ifd = Read32(tiff, 4);
  for (int i = 0; i < page; ++i)
    ifd = Read32(tiff, ifd + 2 + 12 * Read16(tiff, ifd));
  const uint16_t count = Read16(tiff, ifd);
  uint32_t offset = 0, bytes = 0;
  for (uint16_t e = 0; e < count; ++e) {
    const size_t entry = ifd + 2 + 12 * e;
    const uint16_t tag = Read16(tiff, entry);
    const uint16_t type = Read16(tiff, entry + 2);
    const uint32_t n = Read32(tiff, entry + 4);
    uint32_t value =
        type == 3 ? Read16(tiff, entry + 8) : Read32(tiff, entry + 8);
    if (n > 1) value = Read32(tiff, value);  // the first of several strips
    if (tag == 273) offset = value;
    if (tag == 279) bytes = value;
  }
  ASSERT_GT(bytes, 16u);
  for (uint32_t k = 0; k < bytes; ++k)
    tiff[offset + k] = static_cast<char>(0xA5 ^ k);
}

TEST(JobResilienceTest, PagesSpreadOverEveryModelProcess) {
  auto one = StartModel({"--engines=1"});
  auto two = StartModel({"--engines=1"});
  auto gateway = StartGateway({one->port(), two->port()});
  const std::string dir = TempDir("spread");
  const std::string a = ImagePath("pyt-test.png");
  std::string pages;
  for (int i = 0; i < 6; ++i) pages += " " + a;
  int rc = 0;
  RunCommand("img2pdf" + pages + " -o " + dir + "/six.pdf", &rc);
  ASSERT_EQ(rc, 0);
  const auto r = SubmitJob(gateway->port(), ReadFile(dir + "/six.pdf"));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(WaitFinal(gateway->port(), Json(r.body)["id"])["pages_done"], 6);
  // Each endpoint said how many engines it has, and got that many pages at
  // once.
  const auto engines = LogLines(*gateway, "model endpoint engines");
  ASSERT_EQ(engines.size(), 2u) << gateway->Log();
  for (const auto& line : engines) EXPECT_EQ(line["engines"], 1);
  for (auto* model : {one.get(), two.get()}) {
    const auto metrics = HttpGet(model->port(), "/metrics").body;
    EXPECT_GE(Metric(metrics,
                     "request_predict_seconds_count{model_name=\"ocr-model\"}"),
              2)
        << "a model process got fewer than 2 of the 6 pages";
  }
  std::filesystem::remove_all(dir);
}

TEST(JobResilienceTest, APageThatCannotBeReadLeavesTheOthers) {
  auto model = StartModel({"--engines=2"});
  auto gateway = StartGateway({model->port()});
  const std::string dir = TempDir("poison");
  const std::string a = ImagePath("pyt-test.png");
  int rc = 0;
  RunCommand("convert " + a + " " + a + " " + a +
                 " -compress zip -define tiff:rows-per-strip=100000 " + dir +
                 "/three.tif",
             &rc);
  ASSERT_EQ(rc, 0);
  std::string tiff = ReadFile(dir + "/three.tif");
  SpoilPage(tiff, 1);
  const auto r = SubmitJob(gateway->port(), tiff, "?output=json");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  const auto done = WaitFinal(gateway->port(), id);
  EXPECT_EQ(done["status"], "partially_succeeded") << done.dump();
  EXPECT_EQ(done["pages_done"], 2);
  EXPECT_EQ(done["pages_failed"], 1);
  ASSERT_EQ(done["errors"].size(), 1u);
  EXPECT_EQ(done["errors"][0]["page"], 2);
  // JSON: the failed page is marked, the others read.
  const auto json =
      Json(HttpGet(gateway->port(), "/gateway/jobs/" + id + "/result").body);
  ASSERT_EQ(json["pages"].size(), 3u);
  EXPECT_EQ(json["pages"][1]["status"], "failed");
  EXPECT_EQ(json["pages"][0]["page"], 1);
  EXPECT_EQ(json["pages"][2]["page"], 3);
  EXPECT_NE(json["pages"][2]["text"].get<std::string>().find("quick brown"),
            std::string::npos);
  // Text: the failed page is empty, its separators kept.
  const auto text_job = SubmitJob(gateway->port(), tiff);
  const std::string text_id = Json(text_job.body)["id"];
  WaitFinal(gateway->port(), text_id);
  const auto text =
      HttpGet(gateway->port(), "/gateway/jobs/" + text_id + "/result",
              {{"Accept", "text/plain"}});
  const std::string page = FirstOutput(InferFile(model->port(), a));
  EXPECT_EQ(text.body, page + "\f\f" + page);
  std::filesystem::remove_all(dir);
}

TEST(JobResilienceTest, ADamagedJobDatabaseIsReportedNotReplaced) {
  const std::string dir = TempDir("damaged");
  {
    std::ofstream out(dir + "/jobs.sqlite3", std::ios::binary);
    out << std::string(8192, 'x');
  }
  ServerProcess gateway(OCR_GATEWAY_BIN,
                        {"--model-url=http://127.0.0.1:9", "--job-dir=" + dir},
                        {}, "--port");
  const auto code = gateway.WaitExit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(gateway.Log().find("jobs.sqlite3"), std::string::npos)
      << gateway.Log();
  EXPECT_EQ(ReadFile(dir + "/jobs.sqlite3"), std::string(8192, 'x'));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocr::testing
