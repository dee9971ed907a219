// API keys on the real gateway process: keys from a file and from
// GATEWAY_API_KEYS, both headers, 401 with WWW-Authenticate on /gateway/*,
// probes, metrics and docs left open, refusals counted, keys never logged,
// and bad key sources stopping start-up. A fake model stands upstream: what
// is tested is the gateway's door, not OCR.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "stack_fixture.h"
#include "support/fake_model.h"

namespace ocr::testing {
namespace {

constexpr const char* kFileKey = "file-key-5c1d9a";
constexpr const char* kEnvKey = "env-key-77e0b2";

class GatewayAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/gateway_auth_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    keys_file_ = dir_ + "/keys";
    std::ofstream(keys_file_)
        << "# API keys of the OCR gateway\n\n  " << kFileKey << "  \n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ServerProcess> Start(std::vector<std::string> args,
                                       std::vector<std::string> env = {}) {
    args.push_back("--model-url=http://127.0.0.1:" +
                   std::to_string(model_.port()));
    auto gateway =
        std::make_unique<ServerProcess>(OCR_GATEWAY_BIN, args, env, "--port");
    EXPECT_TRUE(gateway->WaitReady()) << gateway->Log();
    return gateway;
  }

  static void ExpectUnauthorized(const HttpResult& r,
                                 const std::string& needle) {
    ExpectDetail(r, 401, needle);
    EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
  }

  FakeModel model_;
  std::string dir_;
  std::string keys_file_;
};

TEST_F(GatewayAuthTest, GatewayRoutesNeedAKeyFromTheFileOrTheEnvironment) {
  auto gateway = Start({"--api-keys-file=" + keys_file_},
                       {std::string("GATEWAY_API_KEYS=other,") + kEnvKey});
  const int port = gateway->port();
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));

  ExpectUnauthorized(Upload(port, png), "missing API key");
  ExpectUnauthorized(Upload(port, png, "", {{"X-API-Key", "wrong"}}),
                     "invalid API key");
  ExpectUnauthorized(
      Upload(port, png, "",
             {{"Authorization", std::string("Basic ") + kEnvKey}}),
      "missing API key");
  ExpectUnauthorized(HttpGet(port, "/gateway/languages"), "missing API key");
  EXPECT_EQ(model_.requests(), 0) << "a refused request reached the model";

  auto r = Upload(port, png, "",
                  {{"Accept", "text/plain"},
                   {"Authorization", std::string("Bearer ") + kFileKey}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, FakeModel::kText);
  r = Upload(port, png, "", {{"Accept", "text/plain"}, {"X-API-Key", kEnvKey}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      HttpGet(port, "/gateway/languages", {{"X-API-Key", kFileKey}}).status,
      200);
  EXPECT_EQ(model_.requests(), 3);

  // Probes, Prometheus and the docs need no secret.
  for (const char* path :
       {"/healthz", "/readyz", "/metrics", "/", "/docs", "/openapi.json"}) {
    EXPECT_EQ(HttpGet(port, path).status, 200) << path;
  }
  const std::string m = HttpGet(port, "/metrics").body;
  EXPECT_EQ(Metric(m,
                   "request_errors_total{model_name=\"ocr-model\","
                   "reason=\"unauthenticated\"}"),
            3);
  auto spec = Json(HttpGet(port, "/openapi.json").body);
  EXPECT_TRUE(spec["components"]["securitySchemes"].contains("BearerAuth"));

  // The keys are in no log line; their number is.
  const std::string log = gateway->Log();
  EXPECT_EQ(log.find(kFileKey), std::string::npos);
  EXPECT_EQ(log.find(kEnvKey), std::string::npos);
  const auto ready = LogLines(*gateway, "ready");
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].value("api_keys", 0), 3);
}

TEST_F(GatewayAuthTest, WithoutKeysEverythingIsOpen) {
  auto gateway = Start({});
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")), "",
                  {{"Accept", "text/plain"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(LogLines(*gateway, "ready")[0].value("api_keys", -1), 0);
}

TEST_F(GatewayAuthTest, ABrokenKeySourceStopsStartUp) {
  const std::string empty = dir_ + "/empty";
  std::ofstream(empty) << "# every key was removed\n";
  for (const std::string& args :
       {"--api-keys-file=" + dir_ + "/missing", "--api-keys-file=" + empty,
        std::string("--api-keys=,")}) {
    int exit_code = -1;
    const std::string out =
        RunCommand(std::string(OCR_GATEWAY_BIN) + " --port=0 " + args + " 2>&1",
                   &exit_code);
    EXPECT_EQ(exit_code, 2) << args << ": " << out;
    EXPECT_NE(out.find("api-keys"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace ocr::testing
