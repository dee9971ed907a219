#include "gateway/upstream_v2_json.h"

#include "common/base64.h"
#include "common/json_writer.h"

namespace ocr {

std::string BuildV2JsonRequest(const InferInput& input) {
  std::string body;
  body.reserve(input.file.size() / 3 * 4 + 512);
  body +=
      R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":[")";
  base64::EncodeAppend(body, input.file);  // JSON-safe by construction
  body += R"("],"parameters":{"content_type":)";
  json::AppendString(body, input.media_type);
  body += R"(}}],"parameters":{)";
  for (const auto& [name, value] : input.parameters) {
    json::AppendString(body, name);
    body += ":";
    json::AppendString(body, value);
    body += ",";
  }
  body += R"("timeout":)" + std::to_string(input.timeout_us) + "}}";
  return body;
}

}  // namespace ocr
