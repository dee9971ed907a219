// The V2 binary tensor data extension over real HTTP and real engines: the
// JSON header + raw tensor form, the raw form, binary answers, its errors,
// and the request policy every protocol shares (statistics, error counting).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "model_server_fixture.h"

namespace ocr::testing {
namespace {

constexpr char kHeader[] = "Inference-Header-Content-Length";

// A binary request: `json` then the BYTES tensor of `images`.
std::string BinaryBody(const std::string& json,
                       const std::vector<std::string>& images) {
  std::string body = json;
  for (const auto& image : images) bytes_tensor::AppendElement(body, image);
  return body;
}

std::string HeaderFor(const std::vector<std::string>& images,
                      const std::string& request_parameters = "") {
  size_t size = 0;
  for (const auto& image : images) size += 4 + image.size();
  return "{" + request_parameters +
         "\"inputs\":[{\"name\":\"input-0\",\"datatype\":\"BYTES\",\"shape\":"
         "[" +
         std::to_string(images.size()) +
         "],\"parameters\":{\"binary_data_size\":" + std::to_string(size) +
         "}}]}";
}

// The elements of output-0 of a binary answer, and its JSON header.
struct BinaryAnswer {
  nlohmann::json header;
  std::vector<std::string> elements;
};

BinaryAnswer ReadBinaryAnswer(const HttpResult& r) {
  BinaryAnswer out;
  const size_t length = std::stoul(r.Header("inference-header-content-length"));
  out.header = ParseJson(r.body.substr(0, length));
  auto parts = bytes_tensor::Split(std::string_view(r.body).substr(length), -1,
                                   "answer");
  EXPECT_TRUE(parts.ok()) << parts.status().message();
  if (parts.ok()) {
    for (auto p : *parts) out.elements.emplace_back(p);
  }
  return out;
}

class BinaryTensorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = StartModelServer().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->http_port(); }
  static HttpResult Binary(const std::string& body, size_t header_length,
                           const std::string& target = kInfer) {
    return HttpPost(port(), target, body,
                    {{"Content-Type", "application/octet-stream"},
                     {kHeader, std::to_string(header_length)}});
  }
  static ModelServer* server_;
};

ModelServer* BinaryTensorTest::server_ = nullptr;

TEST_F(BinaryTensorTest, RawTensorsReadAsTheirJsonTwins) {
  const std::vector<std::string> images = {Image("pyt-test.png"),
                                           Image("gos-001-helloworld.png")};
  const auto json = HttpPost(port(), kInfer, V2Request(images));
  ASSERT_EQ(json.status, 200) << json.body;

  const std::string header = HeaderFor(images);
  const auto binary = Binary(BinaryBody(header, images), header.size());
  ASSERT_EQ(binary.status, 200) << binary.body;
  // No binary answer was asked for: the answer is the JSON one.
  EXPECT_EQ(binary.Header("inference-header-content-length"), "");
  EXPECT_EQ(V2Text(binary, 0), V2Text(json, 0));
  EXPECT_EQ(V2Text(binary, 1), V2Text(json, 1));
  EXPECT_EQ(V2Text(binary, 0), CliText("pyt-test.png"));

  // base64 elements, as clients of the reference send, are accepted too.
  const std::vector<std::string> b64 = {base64::Encode(images[0])};
  const std::string b64_header = HeaderFor(b64);
  const auto from_b64 = Binary(BinaryBody(b64_header, b64), b64_header.size());
  ASSERT_EQ(from_b64.status, 200) << from_b64.body;
  EXPECT_EQ(V2Text(from_b64, 0), V2Text(json, 0));
}

TEST_F(BinaryTensorTest, BinaryAnswersOnRequest) {
  const std::vector<std::string> images = {Image("pyt-test.png")};
  const std::string header =
      HeaderFor(images, "\"parameters\":{\"binary_data_output\":true},");
  const auto r = Binary(BinaryBody(header, images), header.size());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/octet-stream");
  const BinaryAnswer answer = ReadBinaryAnswer(r);
  const auto& output = answer.header["outputs"][0];
  EXPECT_FALSE(output.contains("data")) << answer.header;
  ASSERT_EQ(answer.elements.size(), 1u);
  EXPECT_EQ(output["parameters"]["binary_data_size"].get<size_t>(),
            4 + answer.elements[0].size());
  EXPECT_EQ(answer.elements[0], CliText("pyt-test.png"));
}

TEST_F(BinaryTensorTest, TheRawFormIsTheFileItselfWithOptionsInTheQuery) {
  const auto r = Binary(Image("pyt-test.png"), 0,
                        std::string(kInfer) + "?output=pdf&psm=3");
  ASSERT_EQ(r.status, 200) << r.body;
  const BinaryAnswer answer = ReadBinaryAnswer(r);
  ASSERT_EQ(answer.elements.size(), 1u);
  // A document comes raw, not as base64.
  EXPECT_EQ(answer.elements[0].rfind("%PDF-", 0), 0u);
  EXPECT_EQ(answer.header["outputs"][0]["parameters"]["content_type"],
            "application/pdf");

  const auto text = Binary(Image("pyt-test.png"), 0);
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_EQ(ReadBinaryAnswer(text).elements.at(0), CliText("pyt-test.png"));
  ExpectError(Binary(Image("pyt-test.png"), 0, std::string(kInfer) + "?psm=x"),
              400, "psm");
}

TEST_F(BinaryTensorTest, MalformedBodiesAre400AndTheServerServesOn) {
  const std::vector<std::string> images = {Image("pyt-test.png")};
  const std::string header = HeaderFor(images);
  const std::string body = BinaryBody(header, images);
  ExpectError(Binary(body, body.size() + 1), 400, "");
  ExpectError(Binary(body, header.size() - 1), 400, "JSON");
  // Sizes that do not add up: the tensor is shorter than announced.
  ExpectError(Binary(body.substr(0, body.size() - 10), header.size()), 400,
              "binary_data_size");
  // An element whose length runs past the tensor.
  std::string lying = header + std::string("\xff\xff\x00\x00", 4) + images[0];
  ExpectError(Binary(lying, header.size()), 400, "");
  ExpectError(HttpPost(port(), kInfer, body,
                       {{kHeader, "twelve"}, {"Content-Type", "x/y"}}),
              400, "Inference-Header-Content-Length");
  const auto after = Binary(body, header.size());
  EXPECT_EQ(after.status, 200) << after.body;
}

TEST_F(BinaryTensorTest, StatisticsAndErrorsCountEveryRequestOnce) {
  const auto stats_before = ParseJson(
      HttpGet(port(), "/v2/models/ocr-model/stats").body)["model_stats"][0];
  const std::string metrics_before = HttpGet(port(), "/metrics").body;
  const std::string series =
      "request_errors_total{model_name=\"ocr-model\",reason=\"invalid_"
      "argument\"}";

  const std::vector<std::string> images = {Image("pyt-test.png")};
  const std::string header = HeaderFor(images);
  ASSERT_EQ(Binary(BinaryBody(header, images), header.size()).status, 200);
  ASSERT_EQ(HttpPost(port(), kInfer, V2Request(images)).status, 200);
  ExpectError(HttpPost(port(), kInfer, "{\"inputs\":3}"), 400, "inputs");
  ExpectError(Binary("{}", 5), 400, "");

  const auto stats = ParseJson(
      HttpGet(port(), "/v2/models/ocr-model/stats").body)["model_stats"][0];
  EXPECT_EQ(stats["name"], "ocr-model");
  EXPECT_EQ(stats["version"], "1");
  const auto& s = stats["inference_stats"];
  const auto& b = stats_before["inference_stats"];
  EXPECT_EQ(s["success"]["count"].get<uint64_t>(),
            b["success"]["count"].get<uint64_t>() + 2);
  EXPECT_EQ(s["fail"]["count"].get<uint64_t>(),
            b["fail"]["count"].get<uint64_t>() + 2);
  EXPECT_GT(s["success"]["ns"].get<uint64_t>(),
            b["success"]["ns"].get<uint64_t>());
  EXPECT_GE(s["compute_infer"]["count"].get<uint64_t>(),
            b["compute_infer"]["count"].get<uint64_t>() + 2);
  EXPECT_GT(s["compute_infer"]["ns"].get<uint64_t>(),
            s["queue"]["ns"].get<uint64_t>() / 1000);
  EXPECT_EQ(stats["inference_count"].get<uint64_t>(),
            stats_before["inference_count"].get<uint64_t>() + 2);
  EXPECT_GT(stats["last_inference"].get<int64_t>(), 1'700'000'000'000);
  EXPECT_TRUE(stats["batch_stats"].is_array());

  // Each failure counted once in request_errors_total, by the core.
  const std::string metrics = HttpGet(port(), "/metrics").body;
  EXPECT_EQ(MetricValue(metrics, series),
            MetricValue(metrics_before, series) + 2)
      << metrics;
  ExpectError(HttpGet(port(), "/v2/models/nope/stats"), 404, "nope");
}

}  // namespace
}  // namespace ocr::testing
