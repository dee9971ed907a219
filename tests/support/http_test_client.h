// A small blocking HTTP client for tests: one connection per call, on
// 127.0.0.1. Never throws; transport failures come back as status 0.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ocr::testing {

struct HttpResult {
  int status = 0;  // 0: no response (connection failed or timed out)
  std::map<std::string, std::string> headers;  // keys lower-cased
  std::string body;
  std::string error;  // transport error, when status is 0

  std::string Header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult HttpGet(int port, const std::string& target,
                   const Headers& headers = {});
HttpResult HttpPost(int port, const std::string& target, std::string body,
                    const Headers& headers = {
                        {"Content-Type", "application/json"}});
HttpResult HttpCall(
    int port, const std::string& method, const std::string& target,
    std::string body, const Headers& headers,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Writes `raw` bytes on a new connection and reads whatever the server
// answers until it closes or `timeout` passes.
std::string RawExchange(int port, const std::string& raw,
                        std::chrono::milliseconds timeout);

// The reference gateway's V2 request for one or more images.
std::string V2Request(const std::vector<std::string>& images,
                      const std::string& extra_input_fields = "");

}  // namespace ocr::testing
