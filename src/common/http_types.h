// Types shared by every HTTP handler in both services.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>,
// so <utility> must come first.
// clang-format off
#include <utility>
// clang-format on

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
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

// The body of a streamed response (RequestContext::stream), written in
// chunks (chunked transfer encoding) as the producer makes them. Used on the
// session's strand only.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Sends `chunk` (an empty one sends nothing), within --write-timeout.
  // True when it was sent; false, sending nothing, once closed(): stop then.
  virtual net::awaitable<bool> Write(std::string_view chunk) = 0;
  // True once the client is gone, a write failed or the server drains.
  virtual bool closed() const = 0;
  // Waits `duration`, or less when the stream closes meanwhile (so a
  // producer waiting for its next chunk ends promptly). Returns !closed().
  virtual net::awaitable<bool> Pause(Clock::duration duration) = 0;
};
using BodyProducer = std::function<net::awaitable<void>(BodyStream&)>;

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

  // Set by the server, while the handler (or its stream) runs, when the
  // client closes or resets the connection. Shareable with work that must
  // stop then (the model server's CancelFlag has this type).
  std::shared_ptr<std::atomic<bool>> client_gone =
      std::make_shared<std::atomic<bool>>(false);
  // Set by a handler: called once, on the session's strand, when the server
  // notices the client is gone while the handler runs (to wake a handler
  // that waits); never after the handler returned.
  std::function<void()> on_client_gone;

  // Routes with RouteOptions::spool_dir: the file that holds the request's
  // body (request.body() is then empty). The server removes it once the
  // handler and its stream are done; a handler keeps it by renaming it.
  std::string body_file;

  // Set by a handler to stream the response's body: the server sends the
  // returned Response's status and header at once (its body is ignored),
  // then what the producer writes, chunked; the connection stays open for
  // the next request when the producer returns normally.
  BodyProducer stream;

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

// The answer to a request whose client went away while it ran (nobody will
// read it): 503, logged with client_gone, and not counted in
// request_errors_total, as the service refused nothing.
Response ClientGoneResponse(RequestContext& ctx, std::string message);

// Percent-decodes a URL component ('+' stays '+'; set plus_is_space for
// query strings). Returns false on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space);

}  // namespace ocr
