// Pure translation between the Open Inference Protocol's gRPC messages
// (proto/grpc_predict_v2.proto) and the core's InferRequest/InferResponse.
// No I/O; fuzzed (tests/fuzz/grpc_codec_fuzzer.cc).
#pragma once

#include "common/status.h"
#include "model_server/core/types.h"
#include "proto/grpc_predict_v2.pb.h"

namespace ocr {

// Decodes a ModelInferRequest: exactly one BYTES input "input-0" of shape
// [N], its N elements in contents.bytes_contents or in raw_input_contents
// (each a 4-byte little-endian length and the bytes). Each element is the
// file itself, or its base64 text. Parameters come from the request and the
// input (the input's win), as in REST. The byte strings are moved out of
// `message`, not copied. Every problem is kInvalidArgument naming it. Fills
// id, images and options.
StatusOr<InferRequest> DecodeGrpcInferRequest(
    inference::ModelInferRequest& message);

// Whether the answer goes in raw_output_contents: when the request sent its
// input that way (as Triton answers), else in contents.bytes_contents.
bool WantsRawOutput(const inference::ModelInferRequest& message);

// Fills `out`: output "output-0", BYTES, shape [N], one element per input:
// its text, or the document (PDF bytes, not base64); parameters carry
// content_type for anything but plain text.
void EncodeGrpcInferResponse(const InferResponse& response, bool raw_output,
                             inference::ModelInferResponse* out);

}  // namespace ocr
