// The gateway's routes: POST /gateway/ocr (multipart upload -> KServe V2
// request to the model -> the model's JSON, or just the text), the language
// list, health, the web page, API docs and /metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_router.h"
#include "common/metrics.h"
#include "gateway/api_keys.h"
#include "gateway/model_client.h"

namespace ocr {

namespace jobs {
class JobsApi;
}

struct OcrApiOptions {
  std::chrono::milliseconds timeout{60000};
  // When set and enabled, /gateway/* routes need one of these keys; health,
  // metrics, the web page and the API docs stay open.
  const ApiKeys* api_keys = nullptr;
  // Jobs (when set): Prefer: respond-async answers 202 with a job, and
  // documents are read page by page on every endpoint (jobs_api.h).
  jobs::JobsApi* jobs = nullptr;
};

// The file of a /gateway/ocr or /gateway/jobs upload: a view of the
// request's body, its name and its sniffed media type.
struct Upload {
  std::string_view file;  // empty when the body was spooled to a file
  std::string filename;
  std::string media_type;
  // A body spooled to disk (RouteOptions::spool_dir): the file and where
  // the upload lies in it.
  std::string body_file;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t size() const { return body_file.empty() ? file.size() : length; }
};
// Reads the `image_file` field of a multipart upload; on a bad upload,
// the response to send (422 as FastAPI for a missing field, 400, 415).
std::optional<Response> ReadUpload(RequestContext& ctx, Upload* upload);
// The request parameters marked `forwarded` (common/request_parameters.h)
// that the request's query holds, in the table's order.
std::vector<std::pair<std::string, std::string>> ForwardedParameters(
    const RequestContext& ctx);
// Whether Accept prefers text/plain to JSON.
bool WantsPlainText(const RequestContext& ctx);
Response TextResponse(const RequestContext& ctx, http::status status,
                      std::string_view content_type, std::string body);

// `client`, `metrics`, `ready` and `options.api_keys` are not owned and must
// outlive the router.
void AddGatewayRoutes(Router& router, ModelClient& client, Metrics& metrics,
                      const std::atomic<bool>& ready, OcrApiOptions options);

// FastAPI's body for a missing form field, as the reference gateway sends it.
std::string MissingFieldDetail(std::string_view field);

// The model service's {"error": m} message, or the whole body if not JSON.
std::string ModelErrorMessage(std::string_view body);

}  // namespace ocr
