// The gateway's upstream request and answer in the V2 REST binary tensor
// data extension (Triton's): a JSON header, then the raw tensor bytes, the
// header's length in the Inference-Header-Content-Length HTTP header. The
// upload travels as one BYTES element (4-byte little-endian length, then
// the file itself): no base64, a third fewer bytes than JSON.
#pragma once

#include <string>
#include <string_view>

#include "gateway/upstream_protocol.h"

namespace ocr {

inline constexpr std::string_view kInferenceHeaderContentLength =
    "Inference-Header-Content-Length";

struct BinaryRequest {
  std::string body;         // the JSON header, then the tensor
  size_t header_bytes = 0;  // the JSON header's length
};

// {"id":..,"parameters":{<options>,"timeout":N,"binary_data_output":true},
// "inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","parameters":
// {"content_type":..,"binary_data_size":4+size}}]} then the element. The
// file is copied once, straight into the body.
BinaryRequest BuildV2BinaryRequest(const InferInput& input,
                                   std::string_view request_id);

// Decodes a successful answer: `body` starts with a JSON header of
// `header_bytes` bytes; outputs whose parameters hold binary_data_size have
// their data after it, in the order of the outputs; others hold "data" in
// the header. Returns output-0 (or the first output). kInvalidArgument
// describing what is malformed.
StatusOr<V2Answer> ParseV2BinaryAnswer(std::string_view body,
                                       size_t header_bytes);

}  // namespace ocr
