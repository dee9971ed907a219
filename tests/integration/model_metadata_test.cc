// The model service's metadata over real HTTP: GET /v2 (server), GET
// /v2/models/{model} (the model and every request parameter it accepts),
// GET /v2/models and POST /v2/repository/index (the model repository). Each
// advertised list is checked against what the server really accepts.
#include <algorithm>
#include <regex>
#include <sstream>

#include "common/base64.h"
#include "model_server_fixture.h"

namespace ocr::testing {
namespace {

class ModelMetadataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ModelServerOptions options;
    options.timeout_seconds = 30;  // not the defaults, to see them reported
    options.max_pages = 50;
    server_ = StartModelServer(options).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->http_port(); }
  static nlohmann::json Get(const std::string& path) {
    auto r = HttpGet(port(), path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    return ParseJson(r.body);
  }
  // The error of a request for a file that is no image, with `parameter`
  // set to `value` (a JSON value): the options are checked first, so an
  // accepted value gets the image's error and a refused one its own.
  static std::string ErrorWith(const std::string& parameter,
                               const std::string& value) {
    const std::string body =
        R"({"parameters":{")" + parameter + "\":" + value +
        R"(},"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
        R"("data":[")" +
        base64::Encode("not an image at all") + "\"]}]}";
    auto r = HttpPost(port(), kInfer, body);
    EXPECT_EQ(r.status, 400) << r.body;
    return ParseJson(r.body).value("error", "");
  }
  static bool Accepted(const std::string& parameter, const std::string& value) {
    const std::string error = ErrorWith(parameter, value);
    EXPECT_TRUE(error.find("parameter '" + parameter + "'") !=
                    std::string::npos ||
                error.find("unknown " + parameter) != std::string::npos ||
                error.find("not a supported image") != std::string::npos)
        << error;
    return error.find("not a supported image") != std::string::npos;
  }
  static ModelServer* server_;
};
ModelServer* ModelMetadataTest::server_ = nullptr;

// What `tesseract --list-langs` lists, but osd (which reads no text).
std::string Join(const nlohmann::json& values, const std::string& separator) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += separator;
    out += v.get<std::string>();
  }
  return out;
}

TEST_F(ModelMetadataTest, ServerMetadata) {
  auto m = Get("/v2");
  EXPECT_EQ(m["name"], "ocr-model-server");
  EXPECT_TRUE(std::regex_match(m["version"].get<std::string>(),
                               std::regex(R"(\d+\.\d+\.\d+)")))
      << m["version"];
  EXPECT_EQ(m["extensions"],
            nlohmann::json::array(
                {"binary_tensor_data", "model_repository", "statistics"}));
  // `tesseract --version` starts "tesseract 5.3.0" with the same library.
  const std::string cli = RunCommand("tesseract --version 2>&1 | head -n 1");
  EXPECT_EQ("tesseract " + m["tesseract_version"].get<std::string>(),
            cli.substr(0, cli.find('\n')));
  EXPECT_EQ(m["languages"], nlohmann::json(InstalledLanguages()));
  EXPECT_EQ(m["default_language"], "eng");
  EXPECT_EQ(m.size(), 6u) << m.dump();
}

TEST_F(ModelMetadataTest, ModelMetadataKeepsItsFields) {
  for (const char* path :
       {"/v2/models/ocr-model", "/v2/models/ocr-model/versions/1"}) {
    auto m = Get(path);
    EXPECT_EQ(m["name"], "ocr-model");
    EXPECT_EQ(m["versions"], nlohmann::json::array({"1"}));
    EXPECT_EQ(m["platform"], "tesseract");
    EXPECT_EQ(m["inputs"], nlohmann::json::parse(
                               R"([{"name":"input-0","datatype":"BYTES",
                                    "shape":[-1]}])"));
    EXPECT_EQ(m["outputs"], nlohmann::json::parse(
                                R"([{"name":"output-0","datatype":"BYTES",
                                     "shape":[-1]}])"));
    // What the gateway's /gateway/languages reads.
    const auto& p = m["parameters"];
    EXPECT_EQ(p["languages"], Join(nlohmann::json(InstalledLanguages()), ","));
    EXPECT_EQ(p["default_language"], "eng");
  }
}

TEST_F(ModelMetadataTest, ParametersListWhatRequestsMayHold) {
  const auto p = Get("/v2/models/ocr-model")["parameters"];
  std::vector<std::string> names;
  for (const auto& [name, value] : p.items()) {
    if (value.is_object()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "deskew", "dpi", "first_page", "lang", "output", "pages",
                       "psm", "rescale", "rotate", "text_layer", "timeout"}));
  for (const auto& name : names) {
    EXPECT_TRUE(p[name]["type"] == "string" || p[name]["type"] == "integer")
        << name;
    EXPECT_TRUE(p[name]["description"].is_string()) << name;
  }
  nlohmann::json langs(InstalledLanguages());
  langs.push_back("auto");
  EXPECT_EQ(p["lang"]["values"], langs);
  EXPECT_EQ(p["lang"]["default"], "eng");
  EXPECT_EQ(p["psm"]["values"],
            nlohmann::json::parse("[0,1,3,4,5,6,7,8,9,10,11,12,13]"));
  EXPECT_EQ(p["psm"]["default"], 3);
  EXPECT_EQ(p["dpi"]["default"], 0);
  EXPECT_EQ(p["dpi"]["minimum"], 70);
  EXPECT_EQ(p["dpi"]["maximum"], 2400);
  EXPECT_EQ(p["timeout"]["unit"], "microseconds");
  EXPECT_EQ(p["timeout"]["default"], 30000000);
  EXPECT_EQ(p["timeout"]["maximum"], 30000000);
  EXPECT_EQ(
      p["output"]["values"],
      nlohmann::json::parse(R"(["text","hocr","alto","tsv","json","pdf"])"));
  EXPECT_EQ(p["output"]["default"], "text");
  EXPECT_EQ(p["text_layer"]["values"],
            nlohmann::json::parse(R"(["ignore","use"])"));
  EXPECT_EQ(p["text_layer"]["default"], "ignore");
  EXPECT_EQ(p["pages"]["default"], "");
  EXPECT_EQ(p["pages"]["max_pages"], 50);
  EXPECT_EQ(p["rotate"]["values"], nlohmann::json::parse(R"(["auto","none"])"));
  EXPECT_EQ(p["rotate"]["default"], "auto");
  EXPECT_EQ(p["deskew"]["values"],
            nlohmann::json::parse(R"(["auto","true","false"])"));
  EXPECT_EQ(p["deskew"]["default"], "auto");
  EXPECT_EQ(p["rescale"]["values"],
            nlohmann::json::parse(R"(["auto","none"])"));
  EXPECT_EQ(p["rescale"]["default"], "auto");
}

// The lists are the server's: every advertised value is accepted, and a
// refused value's error names exactly the advertised ones.
TEST_F(ModelMetadataTest, ParametersTellTheTruth) {
  const auto p = Get("/v2/models/ocr-model")["parameters"];
  for (const char* name :
       {"output", "text_layer", "rotate", "deskew", "rescale"}) {
    SCOPED_TRACE(name);
    for (const auto& value : p[name]["values"]) {
      EXPECT_TRUE(Accepted(name, value.dump())) << value;
    }
    EXPECT_NE(ErrorWith(name, "\"bogus\"")
                  .find("accepted: " + Join(p[name]["values"], ", ")),
              std::string::npos);
  }
  for (const auto& lang : p["lang"]["values"]) {
    EXPECT_TRUE(Accepted("lang", lang.dump())) << lang;
  }
  EXPECT_NE(ErrorWith("lang", "\"xx\"")
                .find("installed: " +
                      Join(nlohmann::json(InstalledLanguages()), ", ")),
            std::string::npos);
  for (int psm = -1; psm <= 14; ++psm) {
    const bool listed =
        std::find(p["psm"]["values"].begin(), p["psm"]["values"].end(), psm) !=
        p["psm"]["values"].end();
    EXPECT_EQ(Accepted("psm", std::to_string(psm)), listed) << psm;
  }
  for (int dpi : {0, 69, 70, 2400, 2401}) {
    const bool in_range =
        dpi == p["dpi"]["default"] || (dpi >= p["dpi"]["minimum"].get<int>() &&
                                       dpi <= p["dpi"]["maximum"].get<int>());
    EXPECT_EQ(Accepted("dpi", std::to_string(dpi)), in_range) << dpi;
  }
  // A well-formed list is checked against the page count (one here).
  EXPECT_TRUE(Accepted("pages", "\"1\""));
  EXPECT_NE(ErrorWith("pages", "\"1-3,7\"").find("asks for page 3"),
            std::string::npos);
  EXPECT_NE(ErrorWith("pages", "\"3-1\"").find("runs backwards"),
            std::string::npos);
}

TEST_F(ModelMetadataTest, ModelRepository) {
  EXPECT_EQ(Get("/v2/models"),
            nlohmann::json::parse(R"({"models":["ocr-model"]})"));
  auto r = HttpPost(port(), "/v2/repository/index", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJson(r.body), nlohmann::json::parse(
                                   R"([{"name":"ocr-model","version":"1",
                                        "state":"READY"}])"));
  // Without a body, as Triton's clients may send it.
  r = HttpPost(port(), "/v2/repository/index", "", {});
  EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace
}  // namespace ocr::testing
