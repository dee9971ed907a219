#include "gateway/upstream_protocol.h"

#include "common/base64.h"
#include "common/json_writer.h"
#include "common/request_parameters.h"

namespace ocr {

std::string_view ProtocolName(UpstreamProtocol protocol) {
  switch (protocol) {
    case UpstreamProtocol::kV2Json:
      return "v2-json";
    case UpstreamProtocol::kV2Binary:
      return "v2-binary";
    case UpstreamProtocol::kGrpc:
      return "grpc";
  }
  return "unknown";
}

StatusOr<UpstreamProtocol> ParseUpstreamProtocol(std::string_view name) {
  for (const auto protocol :
       {UpstreamProtocol::kV2Json, UpstreamProtocol::kV2Binary,
        UpstreamProtocol::kGrpc}) {
    if (name == ProtocolName(protocol)) return protocol;
  }
  return InvalidArgumentError(
      "--upstream-protocol must be v2-json, "
      "v2-binary or grpc, not '" +
      std::string(name) + "'");
}

bool IsIntegerParameter(std::string_view name) {
  const RequestParameter* parameter = FindRequestParameter(name);
  return parameter != nullptr && parameter->type == ParameterType::kInteger;
}

StatusOr<std::string> V2Answer::FirstElementBytes() const {
  if (elements.empty()) {
    return InvalidArgumentError("the model's answer holds no element");
  }
  if (!base64) return elements.front();
  return base64::Decode(elements.front());
}

std::string RenderV2Json(const V2Answer& answer) {
  size_t size = 160 + answer.id.size() + answer.model_name.size();
  for (const auto& e : answer.elements) size += e.size() * 4 / 3 + 8;
  std::string out;
  out.reserve(size);
  out += "{\"id\":";
  json::AppendString(out, answer.id);
  out += ",\"model_name\":";
  json::AppendString(out, answer.model_name);
  out += ",\"model_version\":";
  if (answer.model_version) {
    json::AppendString(out, *answer.model_version);
  } else {
    out += "null";
  }
  out += ",\"outputs\":[{\"name\":";
  json::AppendString(out, answer.output_name);
  out += ",\"shape\":[";
  for (size_t i = 0; i < answer.shape.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(answer.shape[i]);
  }
  out += "],\"datatype\":";
  json::AppendString(out, answer.datatype);
  out += ",\"parameters\":";
  // A PDF's raw bytes travel base64 in JSON, as the model sends them (its
  // only binary output; the others are text).
  const bool encode =
      !answer.base64 && answer.content_type == "application/pdf";
  if (answer.content_type.empty()) {
    out += "null";
  } else {
    out += "{\"content_type\":";
    json::AppendString(out, answer.content_type);
    if (answer.base64 || encode) out += ",\"encoding\":\"base64\"";
    out += "}";
  }
  out += ",\"data\":[";
  for (size_t i = 0; i < answer.elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (encode) {
      out.push_back('"');
      base64::EncodeAppend(out, answer.elements[i]);
      out.push_back('"');
    } else {
      json::AppendString(out, answer.elements[i]);
    }
  }
  out += "]}]}";
  return out;
}

}  // namespace ocr
