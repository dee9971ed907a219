// The gateway's routes: POST /gateway/ocr (multipart upload -> KServe V2
// request to the model -> the model's JSON, or just the text), the language
// list, health, the web page, API docs and /metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/http_router.h"
#include "common/metrics.h"
#include "gateway/api_keys.h"
#include "gateway/model_client.h"

namespace ocr {

struct OcrApiOptions {
  std::chrono::milliseconds timeout{60000};
  // When set and enabled, /gateway/* routes need one of these keys; health,
  // metrics, the web page and the API docs stay open.
  const ApiKeys* api_keys = nullptr;
};

// `client`, `metrics`, `ready` and `options.api_keys` are not owned and must
// outlive the router.
void AddGatewayRoutes(Router& router, ModelClient& client, Metrics& metrics,
                      const std::atomic<bool>& ready, OcrApiOptions options);

// FastAPI's body for a missing form field, as the reference gateway sends it.
std::string MissingFieldDetail(std::string_view field);

// The model service's {"error": m} message, or the whole body if not JSON.
std::string ModelErrorMessage(std::string_view body);

}  // namespace ocr
