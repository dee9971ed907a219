// The request parameters every protocol accepts (lang, psm, dpi, timeout,
// output, text_layer, pages, rotate, deskew, rescale, first_page), set from a
// value as the protocol carries it: one place that knows their names and types.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// The names of the options a request may set (V2 `parameters` members,
// gRPC parameters, or the query parameters of the raw binary form), in
// RequestedOptions' order.
inline constexpr std::string_view kRequestParameterNames[] = {
    "lang",  "psm",    "dpi",    "timeout", "output",    "text_layer",
    "pages", "rotate", "deskew", "rescale", "first_page"};

// std::monostate: a value of no type an option takes (a JSON null, array or
// object).
using ParameterValue =
    std::variant<std::monostate, std::string_view, int64_t, double, bool>;

// Sets option `name` of `options` from `value`. Integers may come as whole
// numbers or numeric strings; `pages` may be a page number and `deskew` a
// boolean. Names that are no option (content_type, binary_data_output, ...)
// are ignored, as KServe does. kInvalidArgument names a value of the wrong
// type; the values themselves are checked by InferenceCore::ResolveOptions.
Status SetRequestParameter(std::string_view name, const ParameterValue& value,
                           RequestedOptions* options);

}  // namespace ocr
