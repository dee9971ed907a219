// Runs a ModelServer in-process on 127.0.0.1:0 with real Tesseract engines.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "model_server/model_server.h"
#include "support/http_test_client.h"
#include "support/testdata.h"

namespace ocr::testing {

inline std::unique_ptr<ModelServer> StartModelServer(
    ModelServerOptions options = {}) {
  options.host = "127.0.0.1";
  options.http_port = 0;
  options.grpc_port = 0;
  if (options.engines == 0) options.engines = 2;
  options.log_level = "warning";
  // The workers are not next to the test binary.
  if (options.worker_binary.empty())
    options.worker_binary = OCR_ENGINE_WORKER_BIN;
  EXPECT_TRUE(options.Validate().ok());
  auto server = std::make_unique<ModelServer>(options);
  Status s = server->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return server;
}

inline nlohmann::json ParseJson(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << body.substr(0, 200);
  return j;
}

// The text of output-0 element `i` of a V2 response.
inline std::string V2Text(const HttpResult& r, size_t i = 0) {
  auto j = ParseJson(r.body);
  if (!j.contains("outputs")) return "<no outputs: " + r.body + ">";
  return j["outputs"][0]["data"][i].get<std::string>();
}

// Asserts an error response: status, {"error": "..."} containing `needle`.
inline void ExpectError(const HttpResult& r, int status,
                        const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = ParseJson(r.body);
  ASSERT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string())
      << r.body;
  EXPECT_NE(j["error"].get<std::string>().find(needle), std::string::npos)
      << "error '" << j["error"] << "' lacks '" << needle << "'";
  EXPECT_EQ(r.Header("content-type"), "application/json");
}

inline std::string Image(const std::string& name) {
  return ReadFile(ImagePath(name));
}

inline std::string CliText(const std::string& name) {
  return RunCommand("tesseract '" + ImagePath(name) + "' stdout 2>/dev/null");
}

// The value of the sample `series` (name with labels, exactly as exposed) in
// a Prometheus text exposition; 0 when absent.
inline double MetricValue(const std::string& exposition,
                          const std::string& series) {
  const auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(exposition.substr(at + series.size() + 2));
}

inline const char* kInfer = "/v2/models/ocr-model/infer";

}  // namespace ocr::testing
