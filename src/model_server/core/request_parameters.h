// The request parameters every protocol accepts (common/request_parameters.h
// declares them) set on RequestedOptions from a value as the protocol
// carries it.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "common/request_parameters.h"
#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// std::monostate: a value of no type an option takes (a JSON null, array or
// object).
using ParameterValue =
    std::variant<std::monostate, std::string_view, int64_t, double, bool>;

// Sets option `name` of `options` from `value`, as the table types it.
// Integers may come as whole numbers or numeric strings; `pages` may be a page
// number and `deskew` a boolean. Names that are no option (content_type,
// binary_data_output, ...) are ignored, as KServe does. kInvalidArgument names
// a value of the wrong type; the values themselves are checked by
// InferenceCore::ResolveOptions.
Status SetRequestParameter(std::string_view name, const ParameterValue& value,
                           RequestedOptions* options);

}  // namespace ocr
