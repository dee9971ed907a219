// The one mapping from StatusCode to HTTP status.
#pragma once

#include <boost/beast/http/status.hpp>

#include "common/status.h"

namespace ocr {

boost::beast::http::status ToHttpStatus(StatusCode code);

// The code an upstream's HTTP error status stands for (kInvalidArgument for
// a 4xx without its own code, kInternal for a 5xx without one).
StatusCode FromHttpStatus(int status);

}  // namespace ocr
