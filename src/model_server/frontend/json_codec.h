// Pure translation between the KServe REST wire formats (V2 Open Inference
// Protocol and V1) and the core's InferRequest / InferResponse. No I/O.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// The model's one input and output tensor names.
inline constexpr std::string_view kInputName = "input-0";
inline constexpr std::string_view kOutputName = "output-0";

// Decodes a V2 infer request body: exactly one BYTES input named "input-0"
// whose elements are base64-encoded image files (shape [N] for N images),
// options from request or input `parameters` (input wins): lang, psm, dpi,
// timeout (microseconds), output, text_layer, pages. Every problem is
// kInvalidArgument naming the field. Fills id, images and options; not
// model_name or deadline.
StatusOr<InferRequest> DecodeV2InferRequest(const std::string& body);

// {"id":..,"model_name":..,"model_version":null,"outputs":[{"name":
// "output-0","shape":[N],"datatype":"BYTES","parameters":null,"data":[..]}]}
// for text; other outputs carry "parameters":{"content_type":...} (and
// "encoding":"base64" for a binary one, whose elements are base64).
std::string EncodeV2InferResponse(const InferResponse& response);

// Decodes a V1 predict body {"instances":[b64 | {"b64": b64}, ...]}.
StatusOr<InferRequest> DecodeV1PredictRequest(const std::string& body);

// {"predictions":["text", ...]}
std::string EncodeV1PredictResponse(const InferResponse& response);

}  // namespace ocr
