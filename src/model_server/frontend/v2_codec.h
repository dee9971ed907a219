// Pure translation between the KServe V2 (Open Inference Protocol) REST wire
// format and the core's InferRequest / InferResponse, with the binary tensor
// data extension of Triton and KServe. No I/O.
//
// Binary tensor data: the body starts with a JSON inference header of
// Inference-Header-Content-Length bytes; the rest is binary data. An input
// whose `parameters` say `binary_data_size: N` has no `data`: its data are the
// next N bytes of the binary data, in input order, a BYTES tensor serialized
// as common/bytes_tensor.h says. A response may carry its output the same way.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// The model's one input and output tensor names.
inline constexpr std::string_view kInputName = "input-0";
inline constexpr std::string_view kOutputName = "output-0";

struct V2Request {
  InferRequest request;
  // Answer the output as binary data: request parameter
  // `binary_data_output: true`, or output-0's `binary_data: true` (which,
  // given, overrides the request parameter); always for the raw form.
  bool binary_output = false;
};

// Decodes a V2 infer request: exactly one BYTES input named "input-0" (shape
// [N] for N images), options from request or input `parameters` (input wins):
// lang, psm, dpi, timeout (microseconds), output, text_layer, pages, rotate,
// deskew, rescale. `body` is the whole HTTP body and `header_length` the
// value of Inference-Header-Content-Length, body->size() without the header
// (plain JSON). The input's elements are base64 strings in its JSON `data`,
// or, with `binary_data_size`, binary elements: each the file itself (a slice
// of `body`, not a copy) or, when bytes_tensor::IsBase64Element says so, its
// base64 text. Every problem is kInvalidArgument naming it. Fills id, images
// and options; not model_name or deadline.
StatusOr<V2Request> DecodeV2Request(std::shared_ptr<const std::string> body,
                                    size_t header_length);

// Parses an Inference-Header-Content-Length value ("123"): kInvalidArgument
// when it is not a decimal integer or is larger than `body_size`.
StatusOr<size_t> ParseInferenceHeaderLength(std::string_view value,
                                            size_t body_size);

// The raw form (Inference-Header-Content-Length: 0): `body` is the one file
// (moved into the request, not copied). The options are the URL query
// parameters named as the V2 `parameters` (lang, psm, dpi, timeout, output,
// text_layer, pages, rotate, deskew, rescale); `query` returns a parameter's
// value, nullopt when absent. binary_output is true.
StatusOr<V2Request> DecodeV2RawRequest(
    std::string body,
    const std::function<std::optional<std::string>(std::string_view)>& query);

struct V2Encoded {
  std::string body;
  // The Inference-Header-Content-Length to send: body.size() when there is
  // no binary part.
  size_t header_length = 0;
};

// The response; with `binary_output`, output-0 has no `data` but
// "parameters":{"binary_data_size":N,...} and its elements follow the JSON
// as a raw BYTES tensor (binary outputs such as PDF raw, not base64).
// Without it, EncodeV2InferResponse's JSON.
V2Encoded EncodeV2Response(const InferResponse& response, bool binary_output);

// Plain JSON: DecodeV2Request of a body without binary data.
StatusOr<InferRequest> DecodeV2InferRequest(const std::string& body);

// {"id":..,"model_name":..,"model_version":null,"outputs":[{"name":
// "output-0","shape":[N],"datatype":"BYTES","parameters":null,"data":[..]}]}
// for text; other outputs carry "parameters":{"content_type":...} (and
// "encoding":"base64" for a binary one, whose elements are base64).
std::string EncodeV2InferResponse(const InferResponse& response);

}  // namespace ocr
