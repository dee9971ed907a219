// Types shared by every HTTP handler in both services.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>,
// so <utility> must come first.
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "common/status.h"

namespace ocr {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using RouteParams = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;

// Builds the error body of a service from a message: {"error": m} for the
// model service, {"detail": m} for the gateway.
using ErrorBodyFormatter = std::function<std::string(std::string_view message)>;

// Everything a handler sees of one request, and what it reports back to the
// server's logging and metrics seam.
struct RequestContext {
  Request request;
  std::string_view route;  // the matched route template, "none" if none
  RouteParams params;      // route parameters, percent-decoded
  std::string request_id;  // X-Request-ID, or a generated UUID
  Clock::time_point received;
  net::any_io_executor executor;  // the session's strand
  const ErrorBodyFormatter* error_body = nullptr;

  // Filled by handlers for the request log line and error metrics.
  LogFields log_fields;
  std::string model_name;      // for request_errors_total{model_name}
  std::string error_reason;    // StatusCodeName of the error, if any
  bool error_counted = false;  // the model server's core counted it

  // Route parameter by name ("" when absent).
  std::string_view Param(std::string_view name) const;
  // Query parameter by name, percent-decoded; nullopt when absent.
  std::optional<std::string> Query(std::string_view name) const;
};

using Handler = std::function<net::awaitable<Response>(RequestContext&)>;

// A JSON response with the request's HTTP version.
Response JsonResponse(const RequestContext& ctx, http::status status,
                      std::string body);
// The error response for `status`, in the service's error body shape. Records
// the reason in ctx for the metrics seam.
Response ErrorResponse(RequestContext& ctx, const Status& status);

// Percent-decodes a URL component ('+' stays '+'; set plus_is_space for
// query strings). Returns false on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space);

}  // namespace ocr
