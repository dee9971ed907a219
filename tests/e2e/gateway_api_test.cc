// The gateway and the model service as users run them, driven as users do:
// multipart uploads of every test image, options, text output, errors at the
// edge, request ids across both services, metrics, docs.
#include <future>
#include <set>
#include <tuple>

#include "stack_fixture.h"

namespace ocr::testing {
namespace {

class GatewayApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = StartModel().release();
    gateway_ =
        StartGateway({model_->port()}, {"--max-upload-bytes=2m"}).release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete model_;
  }
  static int port() { return gateway_->port(); }
  static ServerProcess* model_;
  static ServerProcess* gateway_;
};
ServerProcess* GatewayApiTest::model_ = nullptr;
ServerProcess* GatewayApiTest::gateway_ = nullptr;

// The Postman flow: every test image, uploaded as a file, answered with the
// model's JSON unchanged and the command line's text.
TEST_F(GatewayApiTest, UploadsOfEveryTestImage) {
  for (const auto& image : ManifestImages()) {
    SCOPED_TRACE(image.id);
    auto r = Upload(port(), ReadFile(image.path));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    auto j = Json(r.body);
    EXPECT_EQ(j["model_name"], "ocr-model");
    EXPECT_TRUE(j["model_version"].is_null());
    EXPECT_EQ(j["outputs"][0]["name"], "output-0");
    EXPECT_EQ(j["outputs"][0]["datatype"], "BYTES");
    EXPECT_EQ(j["outputs"][0]["data"][0].get<std::string>(),
              CliText(image.path));
  }
}

TEST_F(GatewayApiTest, PlainTextAndOptions) {
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  auto r = Upload(port(), png, "", {{"Accept", "text/plain"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, CliText(ImagePath("tjs-simple.png")));

  r = Upload(port(), png, "?lang=eng&psm=7", {{"Accept", "text/plain"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(NormalizeSpace(r.body), "Tesseract.js");
}

TEST_F(GatewayApiTest, ModelErrorsKeepTheirStatusAndMessage) {
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  ExpectDetail(Upload(port(), png, "?lang=klingon"), 400,
               "unknown language 'klingon'");
  ExpectDetail(Upload(port(), png, "?psm=42"), 400, "'psm'");
  // `+` in a query string is a space in form encoding: lang keeps its '+'.
  ExpectDetail(Upload(port(), png, "?lang=eng+klingon"), 400,
               "in lang 'eng+klingon'");
}

TEST_F(GatewayApiTest, EdgeErrors) {
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  // Missing field: FastAPI's 422 shape.
  auto r = Upload(port(), png, "", {}, "file");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Json(r.body), Json(R"({"detail":[{"type":"missing",
      "loc":["body","image_file"],"msg":"Field required","input":null}]})"));
  r = HttpPost(port(), "/gateway/ocr", "{}");
  EXPECT_EQ(r.status, 422) << r.body;

  // Malformed multipart: the closing boundary never comes.
  std::string truncated = MultipartBody(kBoundary, "image_file", "a.png", png);
  truncated.resize(truncated.size() - 50);
  ExpectDetail(HttpCall(port(), "POST", "/gateway/ocr", truncated,
                        {{"Content-Type",
                          "multipart/form-data; boundary=" + kBoundary}}),
               400, "multipart");
  ExpectDetail(Upload(port(), ""), 400, "empty");
  // Not an image, whatever its name says.
  ExpectDetail(Upload(port(), "%!PS-Adobe-3.0\n"), 415,
               "not a supported image");
  // A PDF is forwarded; one that is not a PDF inside is the model's 400.
  ExpectDetail(Upload(port(), "%PDF-1.4\n%...\n"), 400, "PDF");
  ExpectDetail(Upload(port(), "/etc/passwd\n"), 415, "not a supported image");
  // Over the upload limit: refused from Content-Length, body never sent.
  const std::string raw =
      "POST /gateway/ocr HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "multipart/form-data; boundary=x\r\nContent-Length: 50000000\r\n\r\n";
  const std::string answer = RawExchange(port(), raw, std::chrono::seconds(10));
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"detail\""), std::string::npos) << answer;
  // An upload just over the limit, sent whole, gets 413 too.
  ExpectDetail(Upload(port(), std::string(3 << 20, 'x')), 413, "limit");
  // Unknown routes and methods answer in the same shape.
  ExpectDetail(HttpGet(port(), "/nope"), 404, "no route");
  ExpectDetail(HttpGet(port(), "/gateway/ocr"), 405, "not allowed");
  // And the gateway serves on.
  EXPECT_EQ(Upload(port(), png).status, 200);
}

TEST_F(GatewayApiTest, RequestIdTravelsToTheModelAndBack) {
  auto r = Upload(port(), ReadFile(ImagePath("tjs-simple.png")), "",
                  {{"X-Request-ID", "gw-trace-0042"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-request-id"), "gw-trace-0042");
  EXPECT_EQ(Json(r.body)["id"], "gw-trace-0042");
  // Without one, the gateway makes one and the model uses it too.
  r = Upload(port(), ReadFile(ImagePath("tjs-simple.png")));
  const std::string generated = r.Header("x-request-id");
  EXPECT_EQ(generated.size(), 36u);
  EXPECT_EQ(Json(r.body)["id"], generated);
  for (ServerProcess* p : {gateway_, model_}) {
    bool found = false;
    for (const auto& line : LogLines(*p, "request")) {
      found = found || line["request_id"] == "gw-trace-0042";
    }
    EXPECT_TRUE(found) << p->Log();
  }
}

TEST_F(GatewayApiTest, MetricsMove) {
  const std::string ok_series =
      "http_requests_total{handler=\"/gateway/ocr\",method=\"POST\","
      "status=\"2xx\"}";
  const std::string error_series =
      "request_errors_total{model_name=\"ocr-model\",reason=\"unsupported_"
      "media_type\"}";
  const std::string before = HttpGet(port(), "/metrics").body;
  ASSERT_EQ(Upload(port(), ReadFile(ImagePath("tjs-simple.png"))).status, 200);
  ASSERT_EQ(Upload(port(), "not an image").status, 415);
  const std::string after = HttpGet(port(), "/metrics").body;
  EXPECT_EQ(Metric(after, ok_series) - Metric(before, ok_series), 1);
  EXPECT_EQ(Metric(after, error_series) - Metric(before, error_series), 1);
  for (const char* name :
       {"http_request_duration_seconds_bucket",
        "http_request_duration_highr_seconds_bucket",
        "http_request_size_bytes_sum", "http_response_size_bytes_sum",
        "gateway_upstream_attempt_duration_seconds_bucket",
        "process_cpu_seconds_total"}) {
    EXPECT_NE(after.find(name), std::string::npos) << name;
  }
}

TEST_F(GatewayApiTest, ConcurrentUploads) {
  const std::vector<std::string> names = {"pyt-test.png", "tjs-simple.png",
                                          "gos-001-helloworld.png",
                                          "pyt-test.jpg"};
  std::vector<std::string> expected;
  for (const auto& n : names) expected.push_back(CliText(ImagePath(n)));
  std::vector<std::future<void>> clients;
  for (int c = 0; c < 8; ++c) {
    clients.push_back(std::async(std::launch::async, [&, c] {
      for (int i = 0; i < 2; ++i) {
        const size_t k = static_cast<size_t>(c + i) % names.size();
        auto r = Upload(port(), ReadFile(ImagePath(names[k])), "",
                        {{"Accept", "text/plain"}});
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.body, expected[k]);
      }
    }));
  }
  for (auto& f : clients) f.get();
}

TEST_F(GatewayApiTest, HealthLanguagesDocsAndPage) {
  EXPECT_EQ(Json(HttpGet(port(), "/healthz").body)["status"], "ok");
  EXPECT_EQ(HttpGet(port(), "/readyz").status, 200);
  auto langs = Json(HttpGet(port(), "/gateway/languages").body);
  EXPECT_EQ(langs["default"], "eng");
  EXPECT_NE(
      std::find(langs["languages"].begin(), langs["languages"].end(), "eng"),
      langs["languages"].end());
  auto spec = HttpGet(port(), "/openapi.json");
  ASSERT_EQ(spec.status, 200);
  auto j = Json(spec.body);
  EXPECT_TRUE(j["openapi"].get<std::string>().starts_with("3."));
  EXPECT_TRUE(j["paths"].contains("/gateway/ocr"));
  const auto script = HttpGet(port(), "/jobs.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("window.OcrJobs"), std::string::npos);
  for (const char* path : {"/", "/docs"}) {
    auto page = HttpGet(port(), path);
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
    // Self-contained: nothing loaded from another host.
    EXPECT_EQ(page.body.find("src=\"http"), std::string::npos) << path;
    EXPECT_EQ(page.body.find("href=\"http"), std::string::npos) << path;
  }
}

// Every "$ref" under `node` names something in `root`.
void ExpectRefsResolve(const nlohmann::json& root, const nlohmann::json& node,
                       const std::string& where) {
  if (node.is_object()) {
    if (node.contains("$ref")) {
      const std::string ref = node["$ref"];
      ASSERT_EQ(ref.rfind("#/", 0), 0u) << where;
      EXPECT_TRUE(root.contains(nlohmann::json::json_pointer(ref.substr(1))))
          << ref << " at " << where;
    }
    for (const auto& [key, value] : node.items()) {
      ExpectRefsResolve(root, value, where + "/" + key);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      ExpectRefsResolve(root, node[i], where + "/" + std::to_string(i));
    }
  }
}

// `object`'s keys are the schema's properties, its required ones among them.
void ExpectMatchesSchema(const nlohmann::json& object,
                         const nlohmann::json& schema) {
  for (const auto& name : schema["required"]) {
    EXPECT_TRUE(object.contains(name.get<std::string>())) << name;
  }
  for (const auto& [key, value] : object.items()) {
    EXPECT_TRUE(schema["properties"].contains(key)) << key << " undocumented";
  }
}

// The jobs API is described as it answers: every route and method, the
// headers and errors it sends, schemas holding exactly the fields of a real
// job's status and page record, the webhook with its signature headers.
TEST_F(GatewayApiTest, OpenApiDescribesTheJobsApiAsItAnswers) {
  const auto spec = Json(HttpGet(port(), "/openapi.json").body);
  ExpectRefsResolve(spec, spec, "");
  const auto resolve = [&spec](const nlohmann::json& node) {
    return node.contains("$ref")
               ? spec.at(nlohmann::json::json_pointer(
                     node["$ref"].get<std::string>().substr(1)))
               : node;
  };
  // The names of an operation's parameters (resolved).
  const auto parameters = [&](const nlohmann::json& op) {
    std::set<std::string> names;
    for (const auto& p : op["parameters"]) names.insert(resolve(p)["name"]);
    return names;
  };
  const auto& paths = spec["paths"];
  const std::string job = "/gateway/jobs/{id}";
  for (const auto& [path, method, codes] : std::vector<
           std::tuple<std::string, std::string, std::vector<std::string>>>{
           {"/gateway/jobs",
            "post",
            {"202", "400", "401", "413", "415", "422", "507"}},
           {job, "get", {"200", "400", "401", "404"}},
           {job, "delete", {"204", "401", "404"}},
           {job + "/result", "get", {"200", "400", "401", "404", "409"}},
           {job + "/pages", "get", {"200", "400", "401", "404"}},
           {"/gateway/ocr", "post", {"202", "504", "507"}}}) {
    SCOPED_TRACE(method + " " + path);
    ASSERT_TRUE(paths.contains(path) && paths[path].contains(method));
    for (const auto& code : codes) {
      EXPECT_TRUE(paths[path][method]["responses"].contains(code)) << code;
    }
  }
  const auto& submit = paths["/gateway/jobs"]["post"];
  for (const char* name :
       {"lang", "psm", "dpi", "pages", "rotate", "deskew", "rescale",
        "text_layer", "output", "callback_url", "Idempotency-Key"}) {
    EXPECT_TRUE(parameters(submit).contains(name)) << name;
  }
  for (const char* header :
       {"Location", "Retry-After", "Idempotent-Replayed"}) {
    EXPECT_TRUE(submit["responses"]["202"]["headers"].contains(header));
  }
  const auto& ocr = paths["/gateway/ocr"]["post"];
  EXPECT_TRUE(parameters(ocr).contains("Prefer"));
  EXPECT_TRUE(
      ocr["responses"]["202"]["headers"].contains("Preference-Applied"));
  EXPECT_TRUE(ocr["responses"]["504"]["headers"].contains("Location"));
  EXPECT_TRUE(parameters(paths[job]["get"]).contains("wait"));
  const auto& pages = paths[job + "/pages"]["get"];
  EXPECT_TRUE(parameters(pages).contains("after"));
  EXPECT_TRUE(parameters(pages).contains("Last-Event-ID"));
  EXPECT_TRUE(
      pages["responses"]["200"]["content"].contains("application/x-ndjson"));
  EXPECT_TRUE(
      pages["responses"]["200"]["content"].contains("text/event-stream"));
  // The webhook: its body and signature headers.
  const auto& hook =
      submit["callbacks"]["jobEnded"]["{$request.query.callback_url}"]["post"];
  std::set<std::string> hook_headers;
  for (const auto& p : hook["parameters"]) hook_headers.insert(p["name"]);
  EXPECT_EQ(hook_headers,
            (std::set<std::string>{"webhook-id", "webhook-timestamp",
                                   "webhook-signature"}));
  const auto& schemas = spec["components"]["schemas"];
  EXPECT_EQ(
      hook["requestBody"]["content"]["application/json"]["schema"]["$ref"],
      "#/components/schemas/JobEvent");
  EXPECT_EQ(schemas["JobEvent"]["properties"]["data"]["$ref"],
            "#/components/schemas/JobStatus");

  // A real job's status and page record have the documented fields.
  const auto r = HttpCall(
      port(), "POST", "/gateway/jobs",
      MultipartBody(kBoundary, "image_file", "p.png",
                    ReadFile(ImagePath("tjs-simple.png"))),
      {{"Content-Type", "multipart/form-data; boundary=" + kBoundary}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  nlohmann::json status;
  for (int i = 0; i < 12; ++i) {
    status = Json(HttpGet(port(), "/gateway/jobs/" + id + "?wait=10").body);
    if (status["status"] == "succeeded") break;
  }
  ASSERT_EQ(status["status"], "succeeded") << status.dump();
  ExpectMatchesSchema(status, schemas["JobStatus"]);
  const auto states = schemas["JobStatus"]["properties"]["status"]["enum"];
  EXPECT_EQ(states.size(), 6u);
  const auto record =
      Json(HttpGet(port(), "/gateway/jobs/" + id + "/pages").body);
  ExpectMatchesSchema(record, schemas["PageRecord"]);
}

TEST(GatewayProcessTest, HelpListsEveryFlagWithItsEnvironmentVariable) {
  int exit_code = -1;
  const std::string help =
      RunCommand(std::string(OCR_GATEWAY_BIN) + " --help 2>&1", &exit_code);
  EXPECT_EQ(exit_code, 0);
  for (const char* expected :
       {"--port", "GATEWAY_PORT", "default: 8001", "--model-url",
        "GATEWAY_MODEL_URL", "default: http://127.0.0.1:8080", "--model-name",
        "default: ocr-model", "--timeout", "--connect-timeout", "--retries",
        "--max-upload-bytes", "--shutdown-grace", "--log-level"}) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected;
  }
  RunCommand(std::string(OCR_GATEWAY_BIN) + " --model-url=ftp://x 2>&1",
             &exit_code);
  EXPECT_EQ(exit_code, 2);
}

}  // namespace
}  // namespace ocr::testing
