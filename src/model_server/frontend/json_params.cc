#include "model_server/frontend/json_params.h"

#include <algorithm>
#include <optional>

#include "common/base64.h"
#include "common/http_server.h"
#include "model_server/core/request_parameters.h"

namespace ocr::json_params {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// simdjson parses a std::string in place when its spare capacity covers
// SIMDJSON_PADDING, else it copies it first; the HTTP server leaves that
// much room after every body it reads.
static_assert(kBodySlackBytes >= simdjson::SIMDJSON_PADDING);

StatusOr<element> CheckObject(simdjson::error_code error, element doc,
                              std::string_view what) {
  if (error) {
    return InvalidArgumentError(std::string(what) + " is not valid JSON: " +
                                simdjson::error_message(error));
  }
  if (!doc.is_object()) {
    return InvalidArgumentError(std::string(what) + " must be a JSON object");
  }
  return doc;
}

// A JSON value as the protocol-neutral parameter value; arrays, objects and
// null are std::monostate, which no option takes.
ParameterValue ToParameterValue(element value) {
  std::string_view s;
  int64_t i;
  double d;
  bool b;
  if (value.get_string().get(s) == simdjson::SUCCESS) return s;
  if (value.get_int64().get(i) == simdjson::SUCCESS) return i;
  if (value.get_double().get(d) == simdjson::SUCCESS) return d;
  if (value.get_bool().get(b) == simdjson::SUCCESS) return b;
  return std::monostate();
}

}  // namespace

StatusOr<element> ParseObject(simdjson::dom::parser& parser,
                              const std::string& body) {
  element doc;
  const auto error = parser.parse(body).get(doc);
  return CheckObject(error, doc, "request body");
}

StatusOr<element> ParseObjectAt(simdjson::dom::parser& parser, const char* data,
                                size_t size, size_t readable,
                                std::string_view what) {
  element doc;
  simdjson::error_code error;
  if (readable >= size && readable - size >= simdjson::SIMDJSON_PADDING) {
    error = parser.parse(data, size, false).get(doc);
  } else {
    error = parser.parse(simdjson::padded_string(data, size)).get(doc);
  }
  return CheckObject(error, doc, what);
}

Status ReadParameters(element params, RequestedOptions* options) {
  object obj;
  if (params.get_object().get(obj) != simdjson::SUCCESS) {
    return InvalidArgumentError("'parameters' must be a JSON object");
  }
  for (auto field : obj) {
    RETURN_IF_ERROR(
        SetRequestParameter(field.key, ToParameterValue(field.value), options));
  }
  return OkStatus();
}

Status SetOptionFromText(std::string_view name, std::string_view value,
                         RequestedOptions* options) {
  if (FindRequestParameter(name) == nullptr) {
    return InvalidArgumentError("unknown option '" + std::string(name) + "'");
  }
  return SetRequestParameter(name, value, options);
}

Status DecodeImageString(element value, std::string_view what,
                         std::vector<FileRef>* images) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return InvalidArgumentError(std::string(what) +
                                " must be a base64-encoded image string");
  }
  auto bytes = base64::Decode(text);
  if (!bytes.ok()) {
    return InvalidArgumentError(std::string(what) + " is not valid base64: " +
                                bytes.status().message());
  }
  images->push_back(ShareFile(std::move(bytes).value()));
  return OkStatus();
}

}  // namespace ocr::json_params
