// The V2 response encoders of v2_codec.h.
#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "common/json_writer.h"
#include "model_server/core/document_options.h"
#include "model_server/frontend/v2_codec.h"

namespace ocr {
namespace {

// The response up to output-0's "parameters": value.
std::string ResponseStart(const InferResponse& response, size_t reserve) {
  std::string out;
  out.reserve(reserve + 160 + response.id.size() + response.model_name.size());
  out += "{\"id\":";
  json::AppendString(out, response.id);
  out += ",\"model_name\":";
  json::AppendString(out, response.model_name);
  out += ",\"model_version\":null,\"outputs\":[{\"name\":\"";
  out += kOutputName;
  out += "\",\"shape\":[";
  out += std::to_string(response.results.size());
  out += "],\"datatype\":\"BYTES\",\"parameters\":";
  return out;
}

}  // namespace

std::string EncodeV2InferResponse(const InferResponse& response) {
  const OutputFormatInfo& info = Info(response.output);
  size_t size = 0;
  for (const auto& r : response.results) size += r.text.size() * 4 / 3 + 8;
  std::string out = ResponseStart(response, size);
  // Plain text as the reference answers it (parameters null); any other
  // output says what its elements hold.
  if (response.output == OutputFormat::kText) {
    out += "null";
  } else {
    out += "{\"content_type\":";
    json::AppendString(out, info.media_type);
    if (info.binary) out += ",\"encoding\":\"base64\"";
    out += "}";
  }
  out += ",\"data\":[";
  for (size_t i = 0; i < response.results.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (info.binary) {
      out.push_back('"');
      base64::EncodeAppend(out, response.results[i].text);
      out.push_back('"');
    } else {
      json::AppendString(out, response.results[i].text);
    }
  }
  out += "]}]}";
  return out;
}

V2Encoded EncodeV2Response(const InferResponse& response, bool binary_output) {
  V2Encoded encoded;
  if (!binary_output) {
    encoded.body = EncodeV2InferResponse(response);
    encoded.header_length = encoded.body.size();
    return encoded;
  }
  size_t binary_size = 0;
  for (const auto& r : response.results) binary_size += 4 + r.text.size();
  std::string& out = encoded.body;
  out = ResponseStart(response, binary_size + 64);
  out += "{\"binary_data_size\":";
  out += std::to_string(binary_size);
  if (response.output != OutputFormat::kText) {
    out += ",\"content_type\":";
    json::AppendString(out, Info(response.output).media_type);
  }
  out += "}}]}";
  encoded.header_length = out.size();
  for (const auto& r : response.results) {
    bytes_tensor::AppendElement(out, r.text);
  }
  return encoded;
}

}  // namespace ocr
