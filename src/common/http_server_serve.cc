// HttpServer::Serve: a request's route, body and handler (http_server.h),
// apart from the session loop to keep files small.
// Boost 1.74's awaitable.hpp needs <utility> first (see http_types.h).
// clang-format off
#include <utility>
// clang-format on

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "common/http_server.h"
#include "common/http_session.h"
#include "common/system_info.h"

namespace ocr {

namespace {

using http_internal::IsQuietClose;
using http_internal::PathOf;
constexpr auto kUseAwaitable = net::use_awaitable;

}  // namespace

bool HttpServer::AdmitBody(
    RequestContext& ctx, const http::request_parser<http::string_body>& parser,
    Exchange& x, uint64_t* read_limit) {
  auto refuse = [&](const Status& status) {
    x.close_after = true;
    x.unread_body = true;
    x.res = ErrorResponse(ctx, status);
    return false;
  };
  if (x.match.handler != nullptr && x.match.options.admit) {
    if (Status room = x.match.options.admit(); !room.ok()) {
      return refuse(room);
    }
  }
  // A spooled body goes to disk, not memory.
  if (x.match.handler != nullptr && !x.match.options.spool_dir.empty()) {
    return true;
  }
  const auto length = parser.content_length();
  const uint64_t budget = static_cast<uint64_t>(body_budget_.limit());
  uint64_t want = 0;
  if (length) {
    want = *length;
    if (budget > 0 && want > budget) {
      return refuse(PayloadTooLargeError(
          "request body of " + std::to_string(want) +
          " bytes exceeds the budget of " + std::to_string(budget) +
          " bytes for request bodies held at once (--max-inflight-bytes)"));
    }
  } else if (parser.chunked()) {
    // Of unknown length: it may take all it is allowed.
    want = budget > 0 ? std::min(*read_limit, budget) : *read_limit;
    *read_limit = want;
  }
  if (want == 0) return true;
  std::optional<ByteBudget::Lease> lease =
      body_budget_.TryTake(static_cast<int64_t>(want));
  if (!lease) {
    return refuse(UnavailableError(
        "memory budget full: " + std::to_string(body_budget_.used()) +
        " bytes of request bodies are held (--max-inflight-bytes " +
        std::to_string(budget) + "); this one's " + std::to_string(want) +
        " bytes do not fit now; retry later"));
  }
  x.body_lease = std::move(*lease);
  return true;
}

net::awaitable<bool> HttpServer::Serve(
    const std::shared_ptr<Session>& s,
    http::request_parser<http::string_body>& parser, RequestContext& ctx,
    Exchange& x) {
  ctx.request.base() = parser.get().base();
  ctx.request_id = RequestIdOrNew(ctx.request["X-Request-ID"]);
  x.match = router_.Find(ctx.request.method(), PathOf(ctx.request.target()));
  ctx.route = x.match.route;
  ctx.params = x.match.params;
  const int64_t limit = x.match.options.max_body_bytes > 0
                            ? x.match.options.max_body_bytes
                            : options_.max_body_bytes;
  const auto length = parser.content_length();
  if (length && *length > static_cast<uint64_t>(limit)) {
    x.close_after = true;
    x.unread_body = true;
    x.res = ErrorResponse(
        ctx, PayloadTooLargeError("request body of " + std::to_string(*length) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(limit) + " bytes"));
    co_return true;
  }
  uint64_t read_limit = static_cast<uint64_t>(limit);
  if (!AdmitBody(ctx, parser, x, &read_limit)) co_return true;
  boost::system::error_code ec;
  if (beast::iequals(ctx.request[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_,
                                          ctx.request.version()};
    s->stream.expires_after(options_.timeouts.write);
    co_await http::async_write(s->stream, cont,
                               net::redirect_error(kUseAwaitable, ec));
    if (ec) co_return false;
  }
  // Only a matched route spools; an unknown one is answered from memory.
  const std::string spool_dir =
      x.match.handler != nullptr ? x.match.options.spool_dir : "";
  const http_internal::BodyRead read =
      co_await http_internal::ReadBody(s->stream, s->buffer, parser, read_limit,
                                       spool_dir, options_.timeouts.body, ctx);
  x.request_bytes = read.bytes;
  if (!read.storage.ok()) {
    x.close_after = true;
    x.unread_body = true;
    x.res = ErrorResponse(ctx, read.storage);
    co_return true;
  }
  if (read.ec == http::error::body_limit) {
    x.close_after = true;
    x.unread_body = true;
    x.res = ErrorResponse(
        ctx, PayloadTooLargeError("request body exceeds the limit of " +
                                  std::to_string(read_limit) + " bytes"));
    co_return true;
  }
  if (read.ec && IsQuietClose(read.ec)) co_return false;
  if (read.ec) {
    x.close_after = true;
    x.res = ErrorResponse(
        ctx, InvalidArgumentError("malformed HTTP body: " + read.ec.message()));
    co_return true;
  }
  // From here on a client that goes away is noticed (and bytes of a
  // pipelined request kept for later).
  s->watch.Start(
      options_.max_header_bytes,
      [session = s.get(), gone = ctx.client_gone,
       notify = &ctx.on_client_gone] {
        gone->store(true);
        if (*notify) (*notify)();
        if (session->body_stream != nullptr) session->body_stream->Wake();
      },
      s);
  x.handled = true;
  x.res = co_await Dispatch(ctx, x.match);
  // The callback may hold the handler's own state: not called from now on.
  ctx.on_client_gone = nullptr;
  co_return true;
}

}  // namespace ocr
