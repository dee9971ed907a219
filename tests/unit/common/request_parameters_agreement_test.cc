// The request parameters are declared once (common/request_parameters.h);
// everything else that names them must agree with that table: the model's
// parser (each name lands in its field, as its type) and defaults, the
// gateway's OpenAPI document (the query parameters of /gateway/ocr and
// /gateway/jobs, their types and values), and the ocr command line's flags.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/cli_options.h"
#include "common/request_parameters.h"
#include "model_server/core/document_options.h"
#include "model_server/core/request_parameters.h"

namespace ocr {
namespace {

TEST(RequestParametersTest, EveryParameterLandsInItsOwnFieldAsItsType) {
  std::set<std::string> seen;
  for (const RequestParameter& p : kRequestParameters) {
    EXPECT_TRUE(seen.insert(std::string(p.name)).second) << p.name;
    EXPECT_EQ(FindRequestParameter(p.name), &p);
    RequestedOptions options;
    const ParameterValue value = p.type == ParameterType::kInteger
                                     ? ParameterValue(int64_t{7})
                                     : ParameterValue("7");
    ASSERT_TRUE(SetRequestParameter(p.name, value, &options).ok()) << p.name;
    // Exactly one field changed.
    RequestedOptions none;
    int set = 0;
    set += options.lang != none.lang;
    set += options.psm != none.psm;
    set += options.dpi != none.dpi;
    set += options.timeout_us != none.timeout_us;
    set += options.output != none.output;
    set += options.text_layer != none.text_layer;
    set += options.pages != none.pages;
    set += options.rotate != none.rotate;
    set += options.deskew != none.deskew;
    set += options.rescale != none.rescale;
    set += options.first_page != none.first_page;
    EXPECT_EQ(set, 1) << p.name;
  }
  EXPECT_EQ(seen.size(), 11u) << "a parameter was added: give it a field "
                                 "above and in RequestedOptions";
  RequestedOptions options;
  EXPECT_TRUE(SetRequestParameter("content_type", "x", &options).ok());
  EXPECT_FALSE(FindRequestParameter("content_type"));
}

TEST(RequestParametersTest, TheFirstValueOfEachChoiceIsTheModelsDefault) {
  const OcrOptions defaults;
  EXPECT_EQ(kOutputValues.front(), Info(defaults.output).name);
  EXPECT_EQ(kTextLayerValues.front(), Name(defaults.text_layer));
  EXPECT_EQ(kAutoNoneValues.front(), Name(defaults.rotate));
  EXPECT_EQ(kDeskewValues.front(), Name(defaults.deskew));
  EXPECT_TRUE(defaults.rescale);  // "auto"
  ASSERT_EQ(OutputFormats().size(), kOutputValues.size());
  for (size_t i = 0; i < kOutputValues.size(); ++i) {
    EXPECT_EQ(OutputFormats()[i].name, kOutputValues[i]);
  }
}

nlohmann::json OpenApi() {
  std::ifstream in(OCR_OPENAPI_JSON);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// The query parameters of an operation, $refs resolved, by name.
std::map<std::string, nlohmann::json> QueryParameters(
    const nlohmann::json& spec, const std::string& path) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& p : spec["paths"][path]["post"]["parameters"]) {
    nlohmann::json param = p;
    if (p.contains("$ref")) {
      const std::string ref = p["$ref"];
      param = spec["components"]["parameters"][ref.substr(ref.rfind('/') + 1)];
    }
    if (param["in"] == "query") out[param["name"]] = param;
  }
  return out;
}

TEST(RequestParametersTest, OpenApiDocumentsWhatTheGatewayForwards) {
  const nlohmann::json spec = OpenApi();
  for (const std::string path : {"/gateway/ocr", "/gateway/jobs"}) {
    auto params = QueryParameters(spec, path);
    params.erase("callback_url");  // the gateway's own, not the model's
    std::set<std::string> documented, forwarded;
    for (const auto& [name, _] : params) documented.insert(name);
    for (const RequestParameter& p : kRequestParameters) {
      if (p.forwarded) forwarded.insert(std::string(p.name));
    }
    EXPECT_EQ(documented, forwarded) << path;
    for (const RequestParameter& p : kRequestParameters) {
      if (!params.contains(std::string(p.name))) continue;
      const nlohmann::json& schema = params[std::string(p.name)]["schema"];
      EXPECT_EQ(schema["type"],
                p.type == ParameterType::kInteger ? "integer" : "string")
          << path << " " << p.name;
      if (!p.values.empty()) {
        ASSERT_TRUE(schema.contains("enum")) << path << " " << p.name;
        std::vector<std::string> values(p.values.begin(), p.values.end());
        EXPECT_EQ(schema["enum"], nlohmann::json(values))
            << path << " " << p.name;
        EXPECT_EQ(schema["default"], values.front()) << path << " " << p.name;
      }
    }
  }
}

TEST(RequestParametersTest, TheCommandLineHasAFlagForEachOneItSets) {
  const char* argv[] = {"ocr", "--help"};
  auto line = cli::ParseCommandLine(2, argv);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  for (const RequestParameter& p : kRequestParameters) {
    const std::string entry = CliFlagName(p.name) +
                              "=VALUE\n      Request parameter " +
                              std::string(p.name) + ": ";
    EXPECT_EQ(line->help_text.find(entry) != std::string::npos, p.cli_flag)
        << p.name << "\n"
        << line->help_text;
    if (!p.cli_flag) continue;
    // And the flag sets that parameter, and only that one.
    const std::string flag = CliFlagName(p.name) + "=12";
    const char* with[] = {"ocr", flag.c_str(), "in.png"};
    auto parsed = cli::ParseCommandLine(3, with);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->options.Parameter(p.name), "12");
  }
}

}  // namespace
}  // namespace ocr
