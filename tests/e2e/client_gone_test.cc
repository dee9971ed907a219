// Work stops when nobody waits: a REST client that goes away mid-request
// (curl's Ctrl-C, a closed tab, a proxy that gave up) leaves no engine
// working, whether it asked the model directly or through the gateway
// (which then cancels its own call upstream, over HTTP or gRPC), for one
// long image and for a document the gateway reads page by page. And what
// no retry can change is answered at once: a model answer over the
// gateway's response limit is a 502 naming the limit, sent once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "stack_fixture.h"
#include "support/raw_http_client.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;

// The test documents, made once from tests/data with img2pdf and
// ImageMagick: a 32-page PDF (about 7 s of work on two engines) and one
// page of 16 x 3 copies (more than 10 s on one engine: it cannot be split).
class ClientGoneTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "ocr-client-gone-" +
                           std::to_string(getpid()));
    std::filesystem::create_directories(*dir_);
    std::string page = " '";
    page.append(ImagePath("pyt-test.png")).append("'");
    std::string pdf = "img2pdf", tall = "convert";
    for (int i = 0; i < 32; ++i) pdf.append(page);
    tall.append(" \\(");
    for (int i = 0; i < 16; ++i) tall.append(page);
    pdf.append(" -o '").append(*dir_).append("/32.pdf'");
    tall.append(" -append \\) -duplicate 2 +append '")
        .append(*dir_)
        .append("/tall.png'");
    int rc = 0;
    RunCommand(pdf, &rc);
    ASSERT_EQ(rc, 0) << "img2pdf";
    RunCommand(tall, &rc);
    ASSERT_EQ(rc, 0) << "ImageMagick convert";
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Pdf() { return ReadFile(*dir_ + "/32.pdf"); }
  static std::string Tall() { return ReadFile(*dir_ + "/tall.png"); }

  static std::string* dir_;
};
std::string* ClientGoneTest::dir_ = nullptr;

// ocr_engines_busy of the model process on `port`.
int EnginesBusy(int port) {
  const std::string m = HttpGet(port, "/metrics").body;
  std::smatch match;
  static const std::regex kBusy("\nocr_engines_busy ([0-9]+)");
  return std::regex_search(m, match, kBusy) ? std::stoi(match[1]) : -1;
}

// Sends `request` on a raw connection, waits until the model on
// `model_port` has `engines` engines busy and a little longer, then goes
// away without reading an answer. Expects every engine idle within `settle`
// and idle still a second later (between two pages an engine is idle only
// for a moment).
void SendThenVanish(
    int port, const std::string& request, int model_port, int engines,
    std::chrono::milliseconds settle = std::chrono::seconds(1)) {
  {
    RawClient client(port);
    ASSERT_TRUE(client.Send(request));
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (EnginesBusy(model_port) < engines &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(EnginesBusy(model_port), engines) << "the work never started";
    std::this_thread::sleep_for(2s);
    ASSERT_EQ(client.received(), "") << "answered before the client left";
    // At least one (between two pages an engine may wait for the next).
    ASSERT_GE(EnginesBusy(model_port), 1) << "too little work to test";
  }  // the client is gone
  std::this_thread::sleep_for(settle);
  int busy_samples = 0;
  for (int i = 0; i < 20; ++i) {
    busy_samples += EnginesBusy(model_port) > 0;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(busy_samples, 0)
      << "engines still work for a request whose client left";
}

// A page's layout analysis cannot be interrupted (the recognition that
// follows can): one large page may keep its engine up to a second longer
// than a document's units, each of which stops at once.
constexpr std::chrono::milliseconds kOnePageSettle{2000};

std::string HttpRequest(const std::string& target,
                        const std::string& content_type,
                        const std::string& body) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

std::string GatewayOcr(const std::string& file) {
  return HttpRequest("/gateway/ocr",
                     "multipart/form-data; boundary=" + kBoundary,
                     MultipartBody(kBoundary, "image_file", "f.bin", file));
}

// The gateway neither retried the call its client left nor counted it as
// the model's failure or its own error.
void ExpectNoRetryNorFailure(int gateway_port) {
  const std::string m = HttpGet(gateway_port, "/metrics").body;
  EXPECT_EQ(m.find("\nrequest_errors_total{"), std::string::npos) << m;
  EXPECT_EQ(m.find("\ngateway_upstream_retries_total{"), std::string::npos)
      << m;
  EXPECT_EQ(m.find("\ngateway_upstream_failures_total{"), std::string::npos)
      << m;
}

std::string GrpcUrl(int port) {
  return "grpc://127.0.0.1:" + std::to_string(port);
}

TEST_F(ClientGoneTest, ModelRestDocumentStopsEveryEngine) {
  auto model = StartModel({"--engines=2"});
  const std::string json =
      "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1],"
      "\"datatype\":\"BYTES\",\"data\":[\"" +
      base64::Encode(Pdf()) + "\"]}]}";
  SendThenVanish(
      model->port(),
      HttpRequest("/v2/models/ocr-model/infer", "application/json", json),
      model->port(), 2);
  // The model keeps serving.
  EXPECT_EQ(InferFile(model->port(), ImagePath("tjs-simple.png")).status, 200);
}

TEST_F(ClientGoneTest, GatewayDocumentOverRestStopsEveryEngine) {
  auto model = StartModel({"--engines=2"});
  auto gateway = StartGateway({model->port()});
  SendThenVanish(gateway->port(), GatewayOcr(Pdf()), model->port(), 2);
  ExpectNoRetryNorFailure(gateway->port());
  EXPECT_EQ(
      Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png"))).status,
      200);
}

TEST_F(ClientGoneTest, GatewayDocumentOverGrpcStopsEveryEngine) {
  auto model = StartModel({"--engines=2"});
  auto gateway = StartGatewayAt({GrpcUrl(model->grpc_port())},
                                {"--upstream-protocol=grpc"});
  SendThenVanish(gateway->port(), GatewayOcr(Pdf()), model->port(), 2);
  ExpectNoRetryNorFailure(gateway->port());
  EXPECT_EQ(
      Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png"))).status,
      200);
}

TEST_F(ClientGoneTest, GatewayImageOverRestStopsTheEngine) {
  auto model = StartModel({"--engines=1"});
  auto gateway = StartGateway({model->port()});
  SendThenVanish(gateway->port(), GatewayOcr(Tall()), model->port(), 1,
                 kOnePageSettle);
  ExpectNoRetryNorFailure(gateway->port());
}

TEST_F(ClientGoneTest, GatewayImageOverGrpcStopsTheEngine) {
  auto model = StartModel({"--engines=1"});
  auto gateway = StartGatewayAt({GrpcUrl(model->grpc_port())},
                                {"--upstream-protocol=grpc"});
  SendThenVanish(gateway->port(), GatewayOcr(Tall()), model->port(), 1,
                 kOnePageSettle);
  ExpectNoRetryNorFailure(gateway->port());
}

// hOCR of a page is larger than 4 KiB: over the gateway's limit, the answer
// is a 502 at once that names the limit and its flag, marked final for
// clients, and the model read the page once (no retry recomputes it).
TEST(ResponseLimitTest, AnAnswerOverTheLimitIs502AtOnceInEveryProtocol) {
  auto model = StartModel({"--engines=1"});
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  const std::vector<std::pair<std::string, std::vector<std::string>>> setups = {
      {"http://127.0.0.1:" + std::to_string(model->port()),
       {"--upstream-protocol=v2-json"}},
      {"http://127.0.0.1:" + std::to_string(model->port()),
       {"--upstream-protocol=v2-binary"}},
      {GrpcUrl(model->grpc_port()), {"--upstream-protocol=grpc"}}};
  int answered = 0;
  for (const auto& [url, args] : setups) {
    std::vector<std::string> flags = args;
    flags.push_back("--max-response-bytes=4k");
    auto gateway = StartGatewayAt({url}, flags);
    const HttpResult r = Upload(gateway->port(), page, "?output=hocr");
    ExpectDetail(r, 502, "response limit of 4096 bytes (--max-response-bytes)");
    EXPECT_EQ(r.Header("ocr-retryable"), "false") << args[0];
    ++answered;
    const auto stats =
        Json(HttpGet(model->port(), "/v2/models/ocr-model/stats").body);
    EXPECT_EQ(stats["model_stats"][0]["inference_count"].get<int>(), answered)
        << args[0] << ": the page was read more than once";
    const std::string metrics = HttpGet(gateway->port(), "/metrics").body;
    EXPECT_EQ(Metric(metrics,
                     "gateway_upstream_failures_total{reason=\"too_"
                     "large\"}"),
              1)
        << metrics;
  }
}

}  // namespace
}  // namespace ocr::testing
