// The one mapping from StatusCode to HTTP status.
#pragma once

#include <boost/beast/http/status.hpp>

#include "common/status.h"

namespace ocr {

boost::beast::http::status ToHttpStatus(StatusCode code);

}  // namespace ocr
