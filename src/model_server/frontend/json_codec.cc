#include "model_server/frontend/json_codec.h"

#include "common/base64.h"
#include "common/json_writer.h"
#include "model_server/core/document_options.h"
#include "model_server/frontend/json_params.h"

namespace ocr {

using json_params::DecodeImageString;
using json_params::ParseObject;
using simdjson::dom::array;
using simdjson::dom::element;

StatusOr<InferRequest> DecodeV1PredictRequest(const std::string& body) {
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(element doc, ParseObject(parser, body));
  array instances;
  element value;
  if (doc["instances"].get(value) != simdjson::SUCCESS) {
    return InvalidArgumentError("request has no 'instances'");
  }
  if (value.get_array().get(instances) != simdjson::SUCCESS) {
    return InvalidArgumentError("'instances' must be an array");
  }
  if (instances.size() == 0) {
    return InvalidArgumentError("'instances' holds no image");
  }
  InferRequest request;
  size_t i = 0;
  for (element instance : instances) {
    const std::string what = "instance " + std::to_string(i++);
    element b64 = instance;
    if (instance.is_object() && instance["b64"].get(b64) != simdjson::SUCCESS) {
      return InvalidArgumentError(what + " is an object without 'b64'");
    }
    RETURN_IF_ERROR(DecodeImageString(b64, what, &request.images));
  }
  return request;
}

std::string EncodeV1PredictResponse(const InferResponse& response) {
  const bool binary = Info(response.output).binary;
  std::string out = "{\"predictions\":[";
  for (size_t i = 0; i < response.results.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (binary) {  // as V1 carries binary: {"b64": ...}
      out += "{\"b64\":\"";
      base64::EncodeAppend(out, response.results[i].text);
      out += "\"}";
    } else {
      json::AppendString(out, response.results[i].text);
    }
  }
  out += "]}";
  return out;
}

}  // namespace ocr
