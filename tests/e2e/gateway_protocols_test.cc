// One model server, three gateways in front of it: --upstream-protocol
// v2-json (its REST front end), v2-binary (REST with binary tensor data) and
// grpc (its gRPC front end). Users get the same answers from all three, byte
// for byte: the model's JSON, the text, documents, the model's errors and
// the gateway's own; and a gRPC gateway retries around an unreachable
// endpoint as an HTTP one does.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "stack_fixture.h"
#include "support/closed_port.h"

namespace ocr::testing {
namespace {

std::string GrpcUrl(int port) {
  return "grpc://127.0.0.1:" + std::to_string(port);
}

// Tesseract stamps each PDF with the time it was made.
std::string WithoutPdfDates(const std::string& pdf) {
  static const std::regex date("/(CreationDate|ModDate) *\\(D:[^)]*\\)");
  return std::regex_replace(pdf, date, "/$1 (D:0)");
}

class GatewayProtocolsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Until the model server has its gRPC front end there is nothing to
    // compare: skip (SetUp) rather than fail.
    has_grpc_ = RunCommand(std::string(OCR_MODEL_SERVER_BIN) + " --help 2>&1")
                    .find("--grpc-port") != std::string::npos;
    if (!has_grpc_) return;
    grpc_port_ = ClosedPort();
    model_ =
        StartModel({"--engines=2", "--grpc-port=" + std::to_string(grpc_port_)})
            .release();
    const std::string http =
        "http://127.0.0.1:" + std::to_string(model_->port());
    const std::vector<std::string> common = {"--max-upload-bytes=2m"};
    for (const auto& [protocol, url] :
         std::vector<std::pair<std::string, std::string>>{
             {"v2-json", http},
             {"v2-binary", http},
             {"grpc", GrpcUrl(grpc_port_)}}) {
      auto args = common;
      args.push_back("--upstream-protocol=" + protocol);
      gateways_.push_back(StartGatewayAt({url}, args).release());
    }
  }
  void SetUp() override {
    if (!has_grpc_) GTEST_SKIP() << "ocr-model-server has no --grpc-port yet";
  }
  static void TearDownTestSuite() {
    for (auto* g : gateways_) delete g;
    gateways_.clear();
    delete model_;
  }

  // Uploads `file` to each gateway with the same request id; expects the
  // same status, media type and body (after `normalize`) from all three,
  // and returns the v2-json one.
  static HttpResult ExpectSameAnswers(
      const std::string& file, const std::string& query = "",
      Headers headers = {},
      std::string (*normalize)(const std::string&) = nullptr) {
    headers.emplace_back("X-Request-ID", "same-request-id");
    std::vector<HttpResult> answers;
    for (auto* g : gateways_)
      answers.push_back(Upload(g->port(), file, query, headers));
    const char* names[] = {"v2-json", "v2-binary", "grpc"};
    for (size_t i = 1; i < answers.size(); ++i) {
      SCOPED_TRACE(std::string(names[i]) + " vs v2-json, query '" + query +
                   "'");
      EXPECT_EQ(answers[i].status, answers[0].status) << answers[i].body;
      EXPECT_EQ(answers[i].Header("content-type"),
                answers[0].Header("content-type"));
      if (normalize) {
        EXPECT_TRUE(normalize(answers[i].body) == normalize(answers[0].body));
      } else {
        EXPECT_EQ(answers[i].body, answers[0].body);
      }
    }
    return answers[0];
  }

  static bool has_grpc_;
  static int grpc_port_;
  static ServerProcess* model_;
  static std::vector<ServerProcess*> gateways_;
};
bool GatewayProtocolsTest::has_grpc_ = false;
int GatewayProtocolsTest::grpc_port_ = 0;
ServerProcess* GatewayProtocolsTest::model_ = nullptr;
std::vector<ServerProcess*> GatewayProtocolsTest::gateways_;

TEST_F(GatewayProtocolsTest, TheModelsJsonAndTheText) {
  for (const auto& image : ManifestImages()) {
    SCOPED_TRACE(image.id);
    const std::string file = ReadFile(image.path);
    auto r = ExpectSameAnswers(file);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_EQ(Json(r.body)["outputs"][0]["data"][0].get<std::string>(),
              CliText(image.path));
    r = ExpectSameAnswers(file, "", {{"Accept", "text/plain"}});
    EXPECT_EQ(r.body, CliText(image.path));
  }
  auto r = ExpectSameAnswers(ReadFile(ImagePath("tjs-simple.png")),
                             "?lang=eng&psm=7", {{"Accept", "text/plain"}});
  EXPECT_EQ(NormalizeSpace(r.body), "Tesseract.js");
}

TEST_F(GatewayProtocolsTest, Documents) {
  const std::string png = ReadFile(ImagePath("pyt-test.png"));
  for (const char* output : {"json", "hocr", "alto", "tsv"}) {
    SCOPED_TRACE(output);
    auto r = ExpectSameAnswers(png, std::string("?output=") + output);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  auto r = ExpectSameAnswers(png, "?output=pdf", {}, &WithoutPdfDates);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/pdf");
  EXPECT_TRUE(r.body.starts_with("%PDF-"));
}

TEST_F(GatewayProtocolsTest, ErrorsOfTheModelAndOfTheGateway) {
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  ExpectDetail(ExpectSameAnswers(png, "?lang=klingon"), 400,
               "unknown language 'klingon'");
  ExpectDetail(ExpectSameAnswers(png, "?psm=42"), 400, "'psm'");
  ExpectDetail(ExpectSameAnswers(png, "?psm=seven"), 400, "'psm'");
  ExpectDetail(ExpectSameAnswers(png, "?output=docx"), 400, "output");
  ExpectDetail(ExpectSameAnswers("%PDF-1.4\n%...\n"), 400, "PDF");
  ExpectDetail(ExpectSameAnswers("%!PS-Adobe-3.0\n"), 415,
               "not a supported image");
  ExpectDetail(ExpectSameAnswers(""), 400, "empty");
  ExpectDetail(ExpectSameAnswers(std::string(3 << 20, 'x')), 413, "limit");
}

// A deadline the model notices itself (it is told the time left): 504 from
// every protocol.
TEST_F(GatewayProtocolsTest, DeadlineOfTheModel) {
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  for (int i = 0; i < 3; ++i) {
    auto gateway = StartGatewayAt(
        {i == 2 ? GrpcUrl(grpc_port_)
                : "http://127.0.0.1:" + std::to_string(model_->port())},
        {"--upstream-protocol=" + std::string(i == 0   ? "v2-json"
                                              : i == 1 ? "v2-binary"
                                                       : "grpc"),
         "--timeout=0.08"});
    auto r = Upload(gateway->port(), page, "?output=pdf");
    ExpectDetail(r, 504, "deadline");
  }
}

TEST_F(GatewayProtocolsTest, GrpcRetriesAroundAnUnreachableFirstEndpoint) {
  auto gateway = StartGatewayAt({GrpcUrl(ClosedPort()), GrpcUrl(grpc_port_)},
                                {"--upstream-protocol=grpc"});
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  for (int i = 0; i < 4; ++i) {
    auto r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(NormalizeSpace(r.body), "Tesseract.js");
  }
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_GE(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 1);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"refused\"}"),
            0);
}

TEST_F(GatewayProtocolsTest, RequestIdReachesTheModelOverGrpc) {
  auto r = Upload(gateways_[2]->port(), ReadFile(ImagePath("tjs-simple.png")),
                  "", {{"X-Request-ID", "grpc-trace-0042"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-request-id"), "grpc-trace-0042");
  EXPECT_EQ(Json(r.body)["id"], "grpc-trace-0042");
}

TEST_F(GatewayProtocolsTest, LanguagesInEveryProtocol) {
  std::string first;
  for (auto* g : gateways_) {
    auto r = HttpGet(g->port(), "/gateway/languages");
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = Json(r.body);
    EXPECT_EQ(j["default"], "eng");
    EXPECT_EQ(j["languages"], nlohmann::json(InstalledLanguages()));
    // Every installed language, the same whichever protocol asked.
    if (first.empty()) first = r.body;
    EXPECT_EQ(r.body, first);
  }
}

}  // namespace
}  // namespace ocr::testing
