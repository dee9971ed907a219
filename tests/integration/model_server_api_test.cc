// The model service's endpoints over real HTTP on loopback: KServe V2 and V1,
// the reference gateway's exact request, batches, options and /metrics.
#include <unistd.h>

#include <fstream>
#include <regex>

#include "common/base64.h"
#include "model_server_fixture.h"

namespace ocr::testing {
namespace {

class ModelServerApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = StartModelServer().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->http_port(); }
  static ModelServer* server_;
};
ModelServer* ModelServerApiTest::server_ = nullptr;

TEST_F(ModelServerApiTest, RootAndHealth) {
  EXPECT_EQ(ParseJson(HttpGet(port(), "/").body),
            nlohmann::json({{"status", "alive"}}));
  auto live = HttpGet(port(), "/v2/health/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(ParseJson(live.body), nlohmann::json({{"live", true}}));
  auto ready = HttpGet(port(), "/v2/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ParseJson(ready.body), nlohmann::json({{"ready", true}}));
}

TEST_F(ModelServerApiTest, ServerAndModelMetadata) {
  auto server = ParseJson(HttpGet(port(), "/v2").body);
  EXPECT_EQ(server["name"], "ocr-model-server");
  EXPECT_TRUE(server["version"].is_string());
  EXPECT_TRUE(server["extensions"].is_array());

  for (const char* path :
       {"/v2/models/ocr-model", "/v2/models/ocr-model/versions/1"}) {
    auto r = HttpGet(port(), path);
    ASSERT_EQ(r.status, 200) << path;
    auto m = ParseJson(r.body);
    EXPECT_EQ(m["name"], "ocr-model");
    EXPECT_EQ(m["versions"], nlohmann::json::array({"1"}));
    EXPECT_EQ(m["platform"], "tesseract");
    EXPECT_EQ(m["inputs"], nlohmann::json::parse(
                               R"([{"name":"input-0","datatype":"BYTES",
                                    "shape":[-1]}])"));
    EXPECT_EQ(m["outputs"], nlohmann::json::parse(
                                R"([{"name":"output-0","datatype":"BYTES",
                                     "shape":[-1]}])"));
    EXPECT_EQ(m["parameters"]["default_language"], "eng");
    EXPECT_NE(m["parameters"]["languages"].get<std::string>().find("eng"),
              std::string::npos);
  }
  for (const char* path : {"/v2/models/ocr-model/ready",
                           "/v2/models/ocr-model/versions/1/ready"}) {
    auto r = HttpGet(port(), path);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(ParseJson(r.body),
              nlohmann::json({{"name", "ocr-model"}, {"ready", true}}));
  }
}

// The reference gateway's request, byte for byte as it sends it, gets the
// reference's answer shape and the command line's text.
TEST_F(ModelServerApiTest, ReferenceGatewayRequest) {
  auto r = HttpPost(port(), kInfer, V2Request({Image("pyt-test.png")}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  auto j = ParseJson(r.body);
  ASSERT_EQ(j.size(), 4u) << r.body;
  EXPECT_TRUE(std::regex_match(
      j["id"].get<std::string>(),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                 "[0-9a-f]{12}")));
  EXPECT_EQ(j["model_name"], "ocr-model");
  EXPECT_TRUE(j["model_version"].is_null());
  ASSERT_EQ(j["outputs"].size(), 1u);
  const auto& out = j["outputs"][0];
  EXPECT_EQ(out["name"], "output-0");
  EXPECT_EQ(out["shape"], nlohmann::json::array({1}));
  EXPECT_EQ(out["datatype"], "BYTES");
  EXPECT_TRUE(out["parameters"].is_null());
  EXPECT_EQ(out["data"][0].get<std::string>(), CliText("pyt-test.png"));
}

TEST_F(ModelServerApiTest, RequestIdIsEchoed) {
  std::string body = V2Request({Image("tjs-simple.png")});
  body.insert(1, "\"id\":\"my-request-42\",");
  auto r = HttpPost(port(), kInfer, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJson(r.body)["id"], "my-request-42");

  // Without a body id, the X-Request-ID header names the response.
  r = HttpPost(port(), kInfer, V2Request({Image("tjs-simple.png")}),
               {{"Content-Type", "application/json"},
                {"X-Request-ID", "trace-abc-123"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ParseJson(r.body)["id"], "trace-abc-123");
  EXPECT_EQ(r.Header("x-request-id"), "trace-abc-123");
}

TEST_F(ModelServerApiTest, VersionedInferAndEveryImageFormat) {
  for (const auto& image : ManifestImages()) {
    SCOPED_TRACE(image.id);
    auto r = HttpPost(port(), "/v2/models/ocr-model/versions/1/infer",
                      V2Request({ReadFile(image.path)}));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(NormalizeSpace(V2Text(r)),
              NormalizeSpace(ReadFile(image.truth_path)));
  }
}

// N images in one input are recognised in parallel and answered in order.
TEST_F(ModelServerApiTest, BatchAnswersInOrder) {
  const std::vector<std::string> names = {"pyt-test.png", "tjs-simple.png",
                                          "gos-001-helloworld.png",
                                          "tjs-simple.jpg", "pyt-test.jpg"};
  std::vector<std::string> images;
  for (const auto& n : names) images.push_back(Image(n));
  auto r = HttpPost(port(), kInfer, V2Request(images));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = ParseJson(r.body);
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json::array({5}));
  ASSERT_EQ(j["outputs"][0]["data"].size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(j["outputs"][0]["data"][i].get<std::string>(), CliText(names[i]))
        << names[i];
  }
}

TEST_F(ModelServerApiTest, OptionsAsParameters) {
  // Request-level psm 7 (single line) and an explicit language.
  std::string body = V2Request({Image("tjs-simple.png")});
  body.insert(1, "\"parameters\":{\"psm\":7,\"lang\":\"eng\"},");
  auto r = HttpPost(port(), kInfer, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(NormalizeSpace(V2Text(r)), "Tesseract.js");
  // Input-level parameters, numbers as strings, and a dpi.
  r = HttpPost(port(), kInfer, V2Request({Image("pyt-test.png")}, ""));
  const std::string plain = V2Text(r);
  std::string with_dpi = V2Request({Image("pyt-test.png")});
  with_dpi.replace(with_dpi.find("\"content_type\""), 0,
                   "\"dpi\":\"300\",\"psm\":\"3\",");
  r = HttpPost(port(), kInfer, with_dpi);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(NormalizeSpace(V2Text(r)), NormalizeSpace(plain));
}

TEST_F(ModelServerApiTest, V1Protocol) {
  EXPECT_EQ(ParseJson(HttpGet(port(), "/v1/models").body),
            nlohmann::json({{"models", {"ocr-model"}}}));
  EXPECT_EQ(ParseJson(HttpGet(port(), "/v1/models/ocr-model").body),
            nlohmann::json({{"name", "ocr-model"}, {"ready", true}}));
  nlohmann::json body = {
      {"instances",
       {base64::Encode(Image("tjs-simple.png")),
        {{"b64", base64::Encode(Image("gos-001-helloworld.png"))}}}}};
  auto r = HttpPost(port(), "/v1/models/ocr-model:predict", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = ParseJson(r.body);
  ASSERT_EQ(j["predictions"].size(), 2u);
  EXPECT_EQ(j["predictions"][0], CliText("tjs-simple.png"));
  EXPECT_EQ(j["predictions"][1], CliText("gos-001-helloworld.png"));
}

TEST_F(ModelServerApiTest, MetricsMoveAndPassPromtool) {
  ASSERT_EQ(
      HttpPost(port(), kInfer, V2Request({Image("tjs-simple.png")})).status,
      200);
  ASSERT_EQ(HttpPost(port(), kInfer, "{bad json").status, 400);
  auto r = HttpGet(port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.Header("content-type").find("text/plain"), std::string::npos);
  const std::string& m = r.body;
  for (const char* expected :
       {"request_preprocess_seconds_bucket{model_name=\"ocr-model\",le=\"0."
        "005\"}",
        "request_predict_seconds_bucket{model_name=\"ocr-model\",le=\"60\"}",
        "request_postprocess_seconds_count{model_name=\"ocr-model\"}",
        "request_errors_total{model_name=\"ocr-model\",reason=\"invalid_"
        "argument\"}",
        "http_requests_total{handler=\"/v2/models/{model}/"
        "infer\",method=\"POST\",status=\"2xx\"}",
        "http_request_duration_highr_seconds_bucket",
        "http_request_size_bytes_sum{handler=\"/v2/models/{model}/infer\"}",
        "ocr_characters_recognized_total{model_name=\"ocr-model\"}",
        "ocr_mean_word_confidence_bucket", "ocr_image_megapixels_bucket",
        "ocr_queue_depth 0", "ocr_engines 2", "ocr_engines_busy 0",
        "ocr_model_ready 1", "process_cpu_seconds_total",
        "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << expected;
  }
  const std::string file = "/tmp/ocr-metrics-" + std::to_string(getpid());
  { std::ofstream(file) << m; }
  int exit_code = -1;
  const std::string lint = RunCommand(
      std::string(PROMTOOL_BIN) + " check metrics < " + file + " 2>&1",
      &exit_code);
  EXPECT_EQ(exit_code, 0) << lint;
  std::remove(file.c_str());
}

}  // namespace
}  // namespace ocr::testing
