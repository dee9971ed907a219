// The one path every REST inference takes, V1 or V2: decode the body
// (preprocess), run the core off the I/O threads and await it with the
// request's deadline (predict), encode (postprocess). KServe's three stage
// histograms for the front-end stages are recorded here and nowhere else.
#pragma once

#include <string>
#include <string_view>

#include "common/http_types.h"
#include "model_server/core/inference_core.h"

namespace ocr {

using RequestDecoder = StatusOr<InferRequest> (*)(const std::string& body);
using ResponseEncoder = std::string (*)(const InferResponse& response);

// `ctx.Param("model")` names the model; `version` may be empty.
net::awaitable<Response> RunInference(RequestContext& ctx, InferenceCore& core,
                                      std::string_view version,
                                      RequestDecoder decode,
                                      ResponseEncoder encode);

// Wraps a synchronous handler body as a Handler.
Handler SyncHandler(std::function<Response(RequestContext&)> fn);

}  // namespace ocr
