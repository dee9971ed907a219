// What every upstream protocol of the gateway shares: the protocol's name,
// one upload as the model is asked to read it (InferInput), and the model's
// answer decoded from a binary or gRPC reply (V2Answer), which renders as the
// V2 JSON the model answers over plain REST, byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ocr {

enum class UpstreamProtocol {
  kV2Json,    // KServe V2 REST, the file base64 in JSON (the reference's)
  kV2Binary,  // V2 REST with the binary tensor data extension
  kGrpc,      // V2 gRPC (inference.GRPCInferenceService)
};

// "v2-json", "v2-binary", "grpc".
std::string_view ProtocolName(UpstreamProtocol protocol);
// The protocol named `name`; kInvalidArgument otherwise.
StatusOr<UpstreamProtocol> ParseUpstreamProtocol(std::string_view name);

// One upload for the model: the file (a view of the caller's buffer), its
// sniffed media type, the user's options in the order the gateway forwards
// them (names and values as typed), and the time the model may take.
struct InferInput {
  std::string_view file;
  std::string_view media_type;
  std::vector<std::pair<std::string, std::string>> parameters;
  int64_t timeout_us = 0;
};

// Whether a request parameter is an integer (common/request_parameters.h):
// the gateway forwards those as integers over gRPC (strings in JSON).
bool IsIntegerParameter(std::string_view name);

// output-0 of a successful infer answer, decoded from a binary or gRPC reply.
struct V2Answer {
  std::string id;
  std::string model_name;
  std::optional<std::string> model_version;  // nullopt: JSON null
  std::string output_name = "output-0";
  std::string datatype = "BYTES";
  std::vector<int64_t> shape;
  std::string content_type;  // the output's; empty for plain text
  bool base64 = false;       // elements are base64 text (encoding=base64)
  std::vector<std::string> elements;

  // The first element's bytes (base64-decoded when `base64`).
  StatusOr<std::string> FirstElementBytes() const;
};

// The answer as the model's V2 JSON encoder writes it:
// {"id":..,"model_name":..,"model_version":null,"outputs":[{"name":..,
// "shape":[..],"datatype":..,"parameters":null,"data":[..]}]}, parameters
// {"content_type":..(,"encoding":"base64")} for a document. Raw document
// elements are base64-encoded, as the model does over JSON.
std::string RenderV2Json(const V2Answer& answer);

}  // namespace ocr
