// Every error the model service can answer, over real HTTP: a fitting status,
// {"error": "..."} saying what was wrong, and a server that serves on.
#include <chrono>

#include "common/base64.h"
#include "model_server_fixture.h"

namespace ocr::testing {
namespace {

class ModelServerErrorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ModelServerOptions options;
    options.max_body_bytes = 1 << 20;  // 1 MiB, to test 413 cheaply
    options.max_image_pixels = 1'000'000;
    server_ = StartModelServer(options).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->http_port(); }

  // After every error the server still answers a good request.
  void TearDown() override {
    auto r = HttpPost(port(), kInfer, V2Request({Image("tjs-simple.png")}));
    EXPECT_EQ(r.status, 200) << "server stopped serving: " << r.body;
  }
  static ModelServer* server_;
};
ModelServer* ModelServerErrorsTest::server_ = nullptr;

std::string WithInput(const std::string& input_json) {
  return "{\"inputs\":[" + input_json + "]}";
}

TEST_F(ModelServerErrorsTest, MalformedJson) {
  ExpectError(HttpPost(port(), kInfer, "{\"inputs\": [ "), 400,
              "not valid JSON");
  ExpectError(HttpPost(port(), kInfer, "[1,2,3]"), 400, "JSON object");
  ExpectError(HttpPost(port(), kInfer, ""), 400, "not valid JSON");
}

TEST_F(ModelServerErrorsTest, MissingOrWrongInputs) {
  ExpectError(HttpPost(port(), kInfer, "{}"), 400, "no 'inputs'");
  ExpectError(HttpPost(port(), kInfer, "{\"inputs\":[]}"), 400,
              "exactly 1 input");
  const std::string png = base64::Encode(Image("tjs-simple.png"));
  ExpectError(
      HttpPost(
          port(), kInfer,
          WithInput(
              R"({"name":"image","shape":[1],"datatype":"BYTES","data":[")" +
              png + "\"]}")),
      400, "unknown input 'image'");
  ExpectError(
      HttpPost(
          port(), kInfer,
          WithInput(
              R"({"name":"input-0","shape":[1],"datatype":"FP32","data":[1.0]})")),
      400, "expected 'BYTES'");
  ExpectError(
      HttpPost(
          port(), kInfer,
          WithInput(
              R"({"name":"input-0","shape":[2],"datatype":"BYTES","data":[")" +
              png + "\"]}")),
      400, "shape says 2 elements but data holds 1");
  ExpectError(
      HttpPost(
          port(), kInfer,
          WithInput(
              R"({"name":"input-0","shape":[1],"datatype":"BYTES","data":[42]})")),
      400, "base64-encoded image string");
}

TEST_F(ModelServerErrorsTest, BadBase64) {
  for (const char* data : {"@@@not*base64", "iVBOR*w0KGgo=", "QQ=QQ"}) {
    const auto body = WithInput(
        std::string(
            R"({"name":"input-0","shape":[1],"datatype":"BYTES","data":[")") +
        data + "\"]}");
    ExpectError(HttpPost(port(), kInfer, body), 400, "not valid base64");
  }
}

TEST_F(ModelServerErrorsTest, UndecodableOrEmptyImage) {
  ExpectError(HttpPost(port(), kInfer, V2Request({"just some text, no image"})),
              400, "not a supported image");
  ExpectError(HttpPost(port(), kInfer, V2Request({""})), 400, "image is empty");
  std::string truncated = Image("pyt-test.png");
  truncated.resize(100);
  auto r = HttpPost(port(), kInfer, V2Request({truncated}));
  EXPECT_EQ(r.status, 400) << r.body;
  // One bad image fails its batch, naming which one.
  ExpectError(HttpPost(port(), kInfer,
                       V2Request({Image("tjs-simple.png"), "garbage bytes"})),
              400, "image 1");
}

TEST_F(ModelServerErrorsTest, UnknownModelOrVersion) {
  ExpectError(HttpPost(port(), "/v2/models/other/infer",
                       V2Request({Image("tjs-simple.png")})),
              404, "unknown model 'other'");
  ExpectError(HttpGet(port(), "/v2/models/other"), 404, "unknown model");
  ExpectError(HttpGet(port(), "/v2/models/other/ready"), 404, "unknown model");
  ExpectError(HttpGet(port(), "/v2/models/ocr-model/versions/7"), 404,
              "unknown version '7'");
  ExpectError(HttpGet(port(), "/v1/models/other"), 404, "unknown model");
  ExpectError(
      HttpPost(port(), "/v1/models/other:predict", "{\"instances\":[]}"), 404,
      "unknown model");
}

TEST_F(ModelServerErrorsTest, BadOptions) {
  std::string body = V2Request({Image("tjs-simple.png")});
  body.insert(1, "\"parameters\":{\"lang\":\"klingon\"},");
  ExpectError(HttpPost(port(), kInfer, body), 400,
              "unknown language 'klingon'");
  auto r = HttpPost(port(), kInfer, body);
  // Every installed language is named, whatever packs this machine has.
  std::string installed;
  for (const std::string& lang : InstalledLanguages()) {
    installed += (installed.empty() ? "" : ", ") + lang;
  }
  EXPECT_NE(r.body.find("installed: " + installed), std::string::npos)
      << r.body;
  body = V2Request({Image("tjs-simple.png")});
  body.insert(1, "\"parameters\":{\"psm\":42},");
  ExpectError(HttpPost(port(), kInfer, body), 400, "'psm'");
  body = V2Request({Image("tjs-simple.png")});
  body.insert(1, "\"parameters\":{\"dpi\":5},");
  ExpectError(HttpPost(port(), kInfer, body), 400, "'dpi'");
}

TEST_F(ModelServerErrorsTest, UnknownRouteAndMethod) {
  ExpectError(HttpGet(port(), "/v3/nothing"), 404,
              "no route for GET /v3/nothing");
  auto r = HttpGet(port(), kInfer);
  ExpectError(r, 405, "not allowed");
  EXPECT_EQ(r.Header("allow"), "POST");
}

// 413 is decided from Content-Length, before the body is read: the server
// answers although the client never sends the promised 100 MB.
TEST_F(ModelServerErrorsTest, BodyOverLimitRefusedUnread) {
  const std::string raw =
      "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{";
  const std::string answer = RawExchange(port(), raw, std::chrono::seconds(10));
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("exceeds the limit of 1048576 bytes"),
            std::string::npos);

  // Chunked bodies have no length up front: refused when they pass it.
  std::string chunked =
      "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(256 * 1024, 'a');
  for (int i = 0; i < 6; ++i) chunked += "40000\r\n" + chunk + "\r\n";
  chunked += "0\r\n\r\n";
  const std::string chunked_answer =
      RawExchange(port(), chunked, std::chrono::seconds(10));
  EXPECT_EQ(chunked_answer.rfind("HTTP/1.1 413", 0), 0u) << chunked_answer;
}

TEST_F(ModelServerErrorsTest, ImageOverPixelLimit) {
  // pyt-test.png is 640x480 = 0.3 MP: fine. Scaled past 1 MP it is not;
  // a header claiming 40000 px on a side is refused before decoding.
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\0\0\0\x0dIHDR", 8);
  png += std::string("\x00\x00\x9c\x40\x00\x00\x00\x02", 8);  // 40000 x 2
  png += std::string("\x08\x00\x00\x00\x00\x00\x00\x00\x00", 9);
  png += std::string(64, '\0');
  ExpectError(HttpPost(port(), kInfer, V2Request({png})), 413, "at most 32767");
  std::string big = "\x89PNG\r\n\x1a\n";
  big += std::string("\0\0\0\x0dIHDR", 8);
  big += std::string("\x00\x00\x07\xd0\x00\x00\x07\xd0", 8);  // 2000 x 2000
  big += std::string("\x08\x00\x00\x00\x00\x00\x00\x00\x00", 9);
  big += std::string(64, '\0');
  ExpectError(HttpPost(port(), kInfer, V2Request({big})), 413,
              "the limit is 1000000");
}

TEST_F(ModelServerErrorsTest, DeadlineExceeded) {
  // A client may ask for less time than the server's default: 1 ms is not
  // enough for any OCR.
  std::string body = V2Request({Image("pyt-test.png")});
  body.insert(1, "\"parameters\":{\"timeout\":1000},");
  ExpectError(HttpPost(port(), kInfer, body), 504, "deadline of 1 ms");
}

TEST_F(ModelServerErrorsTest, ErrorsAreCountedByReason) {
  const std::string invalid =
      "request_errors_total{model_name=\"ocr-model\",reason=\"invalid_"
      "argument\"}";
  // Names that are not served share one label value: a client cannot make
  // a series per name it sends.
  const std::string unknown =
      "request_errors_total{model_name=\"unknown\",reason=\"not_found\"}";
  const std::string before = HttpGet(port(), "/metrics").body;
  ASSERT_EQ(HttpPost(port(), "/v2/models/nope/infer", "{}").status, 404);
  ASSERT_EQ(HttpPost(port(), "/v2/models/nope2/infer", "{}").status, 404);
  ASSERT_EQ(HttpPost(port(), kInfer, "{]").status, 400);
  ASSERT_EQ(HttpPost(port(), kInfer, "{]").status, 400);
  // Non-inference routes are not inference errors.
  ASSERT_EQ(HttpGet(port(), "/v3/nothing").status, 404);
  const std::string after = HttpGet(port(), "/metrics").body;
  EXPECT_EQ(MetricValue(after, invalid) - MetricValue(before, invalid), 2);
  EXPECT_EQ(MetricValue(after, unknown) - MetricValue(before, unknown), 2);
  EXPECT_EQ(after.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace ocr::testing
