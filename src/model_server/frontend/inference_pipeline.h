// The one path every REST inference takes, V1, V2 JSON or V2 binary: the
// route's decoder and encoder wrapped around InferenceCore::Call, which holds
// the request policy (deadline, request id, cancellation, stage metrics,
// error counting) shared with gRPC. This layer only translates HTTP.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_types.h"
#include "model_server/core/inference_core.h"

namespace ocr {

// A successful answer's body and what HTTP must say about it.
struct RestAnswer {
  std::string body;
  std::string content_type;  // empty: application/json
  std::vector<std::pair<std::string, std::string>> headers;
};

// Decodes the request (its body, headers and query); runs on the I/O strand.
using RequestDecoder =
    std::function<StatusOr<InferRequest>(RequestContext& ctx)>;
// Encodes the answer; may run on an engine's thread.
using ResponseEncoder = std::function<RestAnswer(const InferResponse&)>;

// `ctx.Param("model")` names the model; `version` may be empty.
net::awaitable<Response> RunInference(RequestContext& ctx, InferenceCore& core,
                                      std::string_view version,
                                      RequestDecoder decode,
                                      ResponseEncoder encode);

// Wraps a synchronous handler body as a Handler.
Handler SyncHandler(std::function<Response(RequestContext&)> fn);

}  // namespace ocr
