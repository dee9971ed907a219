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

// Where each parameter of the table lands in RequestedOptions (a test checks
// every one has its field, of its type).
std::optional<int64_t>* IntegerField(std::string_view name,
                                     RequestedOptions* o) {
  if (name == "psm") return &o->psm;
  if (name == "dpi") return &o->dpi;
  if (name == "timeout") return &o->timeout_us;
  if (name == "first_page") return &o->first_page;
  return nullptr;
}

std::optional<std::string>* StringField(std::string_view name,
                                        RequestedOptions* o) {
  if (name == "lang") return &o->lang;
  if (name == "output") return &o->output;
  if (name == "text_layer") return &o->text_layer;
  if (name == "pages") return &o->pages;
  if (name == "rotate") return &o->rotate;
  if (name == "deskew") return &o->deskew;
  if (name == "rescale") return &o->rescale;
  return nullptr;
}

}  // namespace

Status SetRequestParameter(std::string_view name, const ParameterValue& value,
                           RequestedOptions* options) {
  const RequestParameter* parameter = FindRequestParameter(name);
  if (parameter == nullptr) return OkStatus();
  if (parameter->type == ParameterType::kInteger) {
    std::optional<int64_t>* field = IntegerField(name, options);
    if (field == nullptr)
      return InternalError("no field for " + std::string(name));
    return SetInt(name, value, field);
  }
  std::optional<std::string>* field = StringField(name, options);
  if (field == nullptr)
    return InternalError("no field for " + std::string(name));
  return SetString(name, value, field);
}

}  // namespace ocr
