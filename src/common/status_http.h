// The one mapping from StatusCode to HTTP status.
#pragma once

#include <boost/beast/http/status.hpp>
#include <string_view>

#include "common/status.h"

namespace ocr {

boost::beast::http::status ToHttpStatus(StatusCode code);

// The code an upstream's HTTP error status stands for (kInvalidArgument for
// a 4xx without its own code, kInternal for a 5xx without one).
StatusCode FromHttpStatus(int status);

// "OCR-Retryable: false" marks an error answer that no retry can change,
// though its status is one clients retry (the gateway's 502 for a model
// answer over its response limit, or for a model that failed on this
// input): the `ocr` client then does not try again.
inline constexpr std::string_view kRetryableHeader = "OCR-Retryable";

}  // namespace ocr
