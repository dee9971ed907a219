#include "model_server/core/request_parameters.h"

#include <string>

#include "common/options.h"

namespace ocr {
namespace {

Status SetInt(std::string_view name, const ParameterValue& value,
              std::optional<int64_t>* out) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    *out = *i;
    return OkStatus();
  }
  if (const auto* d = std::get_if<double>(&value)) {
    // The range check first: casting a double out of range is undefined.
    if (*d >= -0x1p63 && *d < 0x1p63 &&
        *d == static_cast<double>(static_cast<int64_t>(*d))) {
      *out = static_cast<int64_t>(*d);
      return OkStatus();
    }
  }
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    int64_t parsed;
    if (ParseInt64(*s, &parsed)) {
      *out = parsed;
      return OkStatus();
    }
  }
  return InvalidArgumentError("parameter '" + std::string(name) +
                              "' must be an integer");
}

Status SetString(std::string_view name, const ParameterValue& value,
                 std::optional<std::string>* out) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    *out = std::string(*s);
    return OkStatus();
  }
  if (const auto* i = std::get_if<int64_t>(&value); i && name == "pages") {
    *out = std::to_string(*i);
    return OkStatus();
  }
  if (const auto* b = std::get_if<bool>(&value); b && name == "deskew") {
    *out = *b ? "true" : "false";
    return OkStatus();
  }
  return InvalidArgumentError("parameter '" + std::string(name) +
                              "' must be a string");
}

}  // namespace

Status SetRequestParameter(std::string_view name, const ParameterValue& value,
                           RequestedOptions* options) {
  if (name == "lang") return SetString(name, value, &options->lang);
  if (name == "output") return SetString(name, value, &options->output);
  if (name == "text_layer") return SetString(name, value, &options->text_layer);
  if (name == "pages") return SetString(name, value, &options->pages);
  if (name == "rotate") return SetString(name, value, &options->rotate);
  if (name == "deskew") return SetString(name, value, &options->deskew);
  if (name == "rescale") return SetString(name, value, &options->rescale);
  if (name == "psm") return SetInt(name, value, &options->psm);
  if (name == "dpi") return SetInt(name, value, &options->dpi);
  if (name == "timeout") return SetInt(name, value, &options->timeout_us);
  if (name == "first_page") return SetInt(name, value, &options->first_page);
  return OkStatus();
}

}  // namespace ocr
