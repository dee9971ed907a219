// Both services as child processes on loopback, and what a user sends them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "common/base64.h"
#include "support/http_test_client.h"
#include "support/server_process.h"
#include "support/testdata.h"

namespace ocr::testing {

inline std::unique_ptr<ServerProcess> StartModel(
    std::vector<std::string> args = {"--engines=2"}, int port = 0) {
  auto model = std::make_unique<ServerProcess>(OCR_MODEL_SERVER_BIN, args,
                                               std::vector<std::string>{},
                                               "--http-port", port);
  EXPECT_TRUE(model->WaitReady()) << model->Log();
  return model;
}

// A gateway in front of model URLs (http:// or grpc://).
inline std::unique_ptr<ServerProcess> StartGatewayAt(
    const std::vector<std::string>& model_urls,
    std::vector<std::string> args = {}) {
  for (const auto& url : model_urls) args.push_back("--model-url=" + url);
  auto gateway = std::make_unique<ServerProcess>(
      OCR_GATEWAY_BIN, args, std::vector<std::string>{}, "--port");
  EXPECT_TRUE(gateway->WaitReady()) << gateway->Log();
  return gateway;
}

inline std::unique_ptr<ServerProcess> StartGateway(
    const std::vector<int>& model_ports, std::vector<std::string> args = {}) {
  std::vector<std::string> urls;
  for (int port : model_ports) {
    urls.push_back("http://127.0.0.1:" + std::to_string(port));
  }
  return StartGatewayAt(urls, std::move(args));
}

// A multipart/form-data body as `curl -F image_file=@<filename>` sends it,
// plus optional extra text fields.
inline std::string MultipartBody(
    const std::string& boundary, const std::string& field,
    const std::string& filename, const std::string& content,
    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  std::string body;
  for (const auto& [name, value] : extra) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" +
            name + "\"\r\n\r\n" + value + "\r\n";
  }
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" +
          field + "\"; filename=\"" + filename +
          "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  body += content;
  body += "\r\n--" + boundary + "--\r\n";
  return body;
}

inline const std::string kBoundary = "------------------------d74496d66958873e";

inline HttpResult Upload(int port, const std::string& content,
                         const std::string& query = "", Headers headers = {},
                         const std::string& field = "image_file") {
  headers.emplace_back("Content-Type",
                       "multipart/form-data; boundary=" + kBoundary);
  return HttpCall(port, "POST", "/gateway/ocr" + query,
                  MultipartBody(kBoundary, field, "upload.bin", content),
                  headers);
}

inline nlohmann::json Json(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << body.substr(0, 300);
  return j;
}

// The model service's answer to a V2 request for `file` (base64) with
// request-level `parameters` (a JSON object's members, without braces).
inline HttpResult InferFile(int port, const std::string& file,
                            const std::string& parameters = "") {
  return HttpPost(port, "/v2/models/ocr-model/infer",
                  "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1],"
                  "\"datatype\":\"BYTES\",\"data\":[\"" +
                      base64::Encode(ReadFile(file)) +
                      "\"]}],\"parameters\":{" + parameters + "}}");
}

// outputs[0].data[0] of an answer that must be a 200; "" otherwise.
inline std::string FirstOutput(const HttpResult& r) {
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  const auto j = Json(r.body);
  return j.contains("outputs") ? j["outputs"][0]["data"][0].get<std::string>()
                               : "";
}

// Asserts a gateway error: status and {"detail": "..."} containing `needle`.
inline void ExpectDetail(const HttpResult& r, int status,
                         const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = Json(r.body);
  ASSERT_TRUE(j.contains("detail") && j["detail"].is_string()) << r.body;
  EXPECT_NE(j["detail"].get<std::string>().find(needle), std::string::npos)
      << j["detail"] << " lacks " << needle;
}

inline std::string CliText(const std::string& path) {
  return RunCommand("tesseract '" + path + "' stdout 2>/dev/null");
}

// The value of a sample in a Prometheus exposition (0 when absent).
inline double Metric(const std::string& exposition, const std::string& series) {
  const auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(exposition.substr(at + series.size() + 2));
}

// The JSON log lines of a process whose "msg" is `msg`.
inline std::vector<nlohmann::json> LogLines(const ServerProcess& p,
                                            const std::string& msg) {
  std::vector<nlohmann::json> out;
  std::istringstream in(p.Log());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("msg", "") == msg) out.push_back(j);
  }
  return out;
}

}  // namespace ocr::testing
