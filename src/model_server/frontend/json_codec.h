// Pure translation between the KServe REST wire formats (V2 Open Inference
// Protocol, in v2_codec.h, and V1) and the core's InferRequest /
// InferResponse. No I/O.
#pragma once

#include <string>

#include "common/status.h"
#include "model_server/core/types.h"
#include "model_server/frontend/v2_codec.h"

namespace ocr {

// Decodes a V1 predict body {"instances":[b64 | {"b64": b64}, ...]}.
StatusOr<InferRequest> DecodeV1PredictRequest(const std::string& body);

// {"predictions":["text", ...]}
std::string EncodeV1PredictResponse(const InferResponse& response);

}  // namespace ocr
