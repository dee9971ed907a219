#include "model_server/frontend/json_params.h"

#include <optional>

#include "common/base64.h"
#include "common/http_server.h"
#include "common/options.h"

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

// An integer parameter given as a JSON number or a numeric string.
Status ReadIntParam(std::string_view name, element value,
                    std::optional<int64_t>* out) {
  int64_t i;
  double d;
  std::string_view s;
  if (value.get_int64().get(i) == simdjson::SUCCESS) {
    *out = i;
  } else if (value.get_double().get(d) == simdjson::SUCCESS && d >= -0x1p63 &&
             d < 0x1p63 &&  // else the cast below is UB
             d == static_cast<double>(static_cast<int64_t>(d))) {
    *out = static_cast<int64_t>(d);
  } else if (value.get_string().get(s) == simdjson::SUCCESS &&
             ParseInt64(s, &i)) {
    *out = i;
  } else {
    return InvalidArgumentError("parameter '" + std::string(name) +
                                "' must be an integer");
  }
  return OkStatus();
}

// A string parameter; `pages` may also be a page number.
Status ReadStringParam(std::string_view name, element value,
                       std::optional<std::string>* out) {
  std::string_view s;
  int64_t i;
  if (value.get_string().get(s) == simdjson::SUCCESS) {
    *out = std::string(s);
  } else if (name == "pages" && value.get_int64().get(i) == simdjson::SUCCESS) {
    *out = std::to_string(i);
  } else if (bool b;
             name == "deskew" && value.get_bool().get(b) == simdjson::SUCCESS) {
    *out = b ? "true" : "false";
  } else {
    return InvalidArgumentError("parameter '" + std::string(name) +
                                "' must be a string");
  }
  return OkStatus();
}

// The integer option `name`, or null when `name` is not one.
std::optional<int64_t>* IntOption(std::string_view name,
                                  RequestedOptions* options) {
  if (name == "psm") return &options->psm;
  if (name == "dpi") return &options->dpi;
  if (name == "timeout") return &options->timeout_us;
  return nullptr;
}

// The string option `name`, or null when `name` is not one.
std::optional<std::string>* StringOption(std::string_view name,
                                         RequestedOptions* options) {
  if (name == "lang") return &options->lang;
  if (name == "output") return &options->output;
  if (name == "text_layer") return &options->text_layer;
  if (name == "pages") return &options->pages;
  if (name == "rotate") return &options->rotate;
  if (name == "deskew") return &options->deskew;
  if (name == "rescale") return &options->rescale;
  return nullptr;
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
    const std::string_view key = field.key;
    if (auto* s = StringOption(key, options); s != nullptr) {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, s));
    } else if (auto* i = IntOption(key, options); i != nullptr) {
      RETURN_IF_ERROR(ReadIntParam(key, field.value, i));
    }
  }
  return OkStatus();
}

Status SetOptionFromText(std::string_view name, std::string_view value,
                         RequestedOptions* options) {
  if (auto* s = StringOption(name, options); s != nullptr) {
    *s = std::string(value);
  } else if (auto* i = IntOption(name, options); i != nullptr) {
    int64_t v;
    if (!ParseInt64(value, &v)) {
      return InvalidArgumentError("parameter '" + std::string(name) +
                                  "' must be an integer");
    }
    *i = v;
  } else {
    return InvalidArgumentError("unknown option '" + std::string(name) + "'");
  }
  return OkStatus();
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
