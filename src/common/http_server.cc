#include "common/http_server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>

#include "common/json_writer.h"
#include "common/system_info.h"

namespace ocr {
namespace {

using tcp = net::ip::tcp;
constexpr auto kUseAwaitable = net::use_awaitable;

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' &&
        c != '.' && c != ':') {
      return false;
    }
  }
  return true;
}

// Errors that mean the peer went away or was idle too long: close quietly.
bool IsQuietClose(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::operation_aborted ||
         ec == net::error::connection_reset || ec == net::error::eof ||
         ec == net::error::broken_pipe || ec == http::error::partial_message;
}

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// The completion of a detached coroutine: an exception that escaped it (a
// bad_alloc while reading a body, say) ends that coroutine and its
// connection, logged; it must never reach the I/O thread and end the process.
struct LogEscapedException {
  const char* what;
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      LOG_ERROR("coroutine failed",
                {{"coroutine", what}, {"error", ex.what()}});
    } catch (...) {
      LOG_ERROR("coroutine failed", {{"coroutine", what}});
    }
  }
};

}  // namespace

struct HttpServer::Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool busy = false;  // touched only on the session's strand
};

HttpServer::HttpServer(net::io_context& ioc, HttpServerOptions options,
                       const Router& router, HttpObserver* observer)
    : ioc_(ioc),
      options_(std::move(options)),
      router_(router),
      observer_(observer),
      acceptor_(ioc) {
  if (!options_.error_body) {
    options_.error_body = [](std::string_view m) { return json::ErrorBody(m); };
  }
}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options_.host, ec);
  if (ec) {
    return InvalidArgumentError("invalid listen address '" + options_.host +
                                "'");
  }
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) + ": " +
                            ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return OkStatus();
}

void HttpServer::Start() {
  net::co_spawn(acceptor_.get_executor(), AcceptLoop(),
                LogEscapedException{"accept"});
}

void HttpServer::StopAccepting() {
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

void HttpServer::BeginDrain() {
  draining_ = true;
  std::lock_guard lock(sessions_mu_);
  for (auto& [raw, weak] : sessions_) {
    if (auto session = weak.lock()) {
      net::post(session->stream.get_executor(), [session] {
        if (!session->busy) session->stream.cancel();
      });
    }
  }
}

net::awaitable<void> HttpServer::AcceptLoop() {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor_.async_accept(
        net::make_strand(ioc_), net::redirect_error(kUseAwaitable, ec));
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      LOG_WARNING("accept failed", {{"error", ec.message()}});
      net::steady_timer pause(acceptor_.get_executor(),
                              std::chrono::milliseconds(50));
      co_await pause.async_wait(net::redirect_error(kUseAwaitable, ec));
      continue;
    }
    auto session = std::make_shared<Session>(tcp::socket(std::move(socket)));
    {
      std::lock_guard lock(sessions_mu_);
      sessions_.emplace(session.get(), session);
    }
    auto executor = session->stream.get_executor();
    net::co_spawn(executor, RunSession(std::move(session)),
                  LogEscapedException{"session"});
  }
}

net::awaitable<void> HttpServer::RunSession(std::shared_ptr<Session> s) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  bool unread_body = false;  // we answered before reading the whole request
  for (bool first = true; first || !draining_; first = false) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.max_header_bytes);
    parser.body_limit(static_cast<uint64_t>(options_.max_body_bytes));
    if (buffer.size() == 0) {
      // Idle until the request's first byte; from then on the header has
      // --header-timeout to arrive whole.
      s->stream.expires_after(options_.timeouts.idle);
      const size_t n = co_await s->stream.async_read_some(
          buffer.prepare(kFirstReadBytes),
          net::redirect_error(kUseAwaitable, ec));
      buffer.commit(n);
      if (ec) break;  // closed, reset or idle too long: nobody to answer
    }
    s->stream.expires_after(options_.timeouts.header);
    co_await http::async_read_header(s->stream, buffer, parser,
                                     net::redirect_error(kUseAwaitable, ec));
    // Too slow (the stream closed the socket) or gone: nobody to answer.
    if (ec == beast::error::timeout) break;
    if (ec && IsQuietClose(ec) && !parser.got_some()) break;

    s->busy = true;
    ++in_flight_;
    const auto start = Clock::now();
    RequestContext ctx;
    ctx.received = start;
    ctx.executor = s->stream.get_executor();
    ctx.error_body = &options_.error_body;
    Router::Match match;
    bool close_after = false;
    uint64_t request_bytes = 0;
    Response res;

    if (ec == http::error::body_limit) {
      // Beast refuses a Content-Length over the limit while parsing the
      // header: answer 413 without reading the body.
      close_after = true;
      unread_body = true;
      ctx.request_id = NewUuid();
      res = ErrorResponse(
          ctx, PayloadTooLargeError("request body exceeds the limit of " +
                                    std::to_string(options_.max_body_bytes) +
                                    " bytes"));
    } else if (ec) {
      // Malformed or oversized header: answer once, then close.
      close_after = true;
      ctx.request_id = NewUuid();
      const bool too_big = ec == http::error::header_limit;
      res = ErrorResponse(
          ctx, InvalidArgumentError(too_big ? "request header too large"
                                            : "malformed HTTP request: " +
                                                  ec.message()));
      if (too_big) {
        res.result(http::status::request_header_fields_too_large);
      }
    } else {
      ctx.request.base() = parser.get().base();
      const auto id = ctx.request["X-Request-ID"];
      ctx.request_id = ValidRequestId(id) ? std::string(id) : NewUuid();
      match = router_.Find(ctx.request.method(), PathOf(ctx.request.target()));
      ctx.route = match.route;
      ctx.params = match.params;
      const auto length = parser.content_length();
      if (length && *length > static_cast<uint64_t>(options_.max_body_bytes)) {
        close_after = true;
        unread_body = true;
        res = ErrorResponse(
            ctx, PayloadTooLargeError(
                     "request body of " + std::to_string(*length) +
                     " bytes exceeds the limit of " +
                     std::to_string(options_.max_body_bytes) + " bytes"));
      } else {
        if (beast::iequals(ctx.request[http::field::expect], "100-continue")) {
          http::response<http::empty_body> cont{http::status::continue_,
                                                ctx.request.version()};
          s->stream.expires_after(options_.timeouts.write);
          co_await http::async_write(s->stream, cont,
                                     net::redirect_error(kUseAwaitable, ec));
        }
        if (!ec) {
          // Room for the body plus kBodySlackBytes: a JSON parser that
          // reads past the end (simdjson) can then parse it in place
          // instead of copying it. Beast's reserve(length) keeps this.
          if (length) {
            parser.get().body().reserve(static_cast<size_t>(*length) +
                                        kBodySlackBytes);
            // Beast reads at most the buffer's spare capacity (at least 512
            // bytes) per call: a large body in header-sized reads costs a
            // coroutine round trip per kilobyte (40 ms for 4 MB here).
            if (*length > buffer.capacity()) {
              buffer.reserve(static_cast<size_t>(
                  std::min<uint64_t>(*length, kBodyReadChunkBytes)));
            }
          }
          s->stream.expires_after(options_.timeouts.body);
          co_await http::async_read(s->stream, buffer, parser,
                                    net::redirect_error(kUseAwaitable, ec));
        }
        if (ec == http::error::body_limit) {
          close_after = true;
          unread_body = true;
          res = ErrorResponse(
              ctx, PayloadTooLargeError(
                       "request body exceeds the limit of " +
                       std::to_string(options_.max_body_bytes) + " bytes"));
        } else if (ec && IsQuietClose(ec)) {
          --in_flight_;
          break;  // peer gone or too slow: nobody to answer
        } else if (ec) {
          close_after = true;
          res = ErrorResponse(ctx, InvalidArgumentError(
                                       "malformed HTTP body: " + ec.message()));
        } else {
          ctx.request = parser.release();
          request_bytes = ctx.request.body().size();
          res = co_await Dispatch(ctx, match);
        }
      }
    }

    res.version(ctx.request.version() == 10 ? 10 : 11);
    const bool keep_alive =
        !close_after && !draining_ && ctx.request.keep_alive();
    res.keep_alive(keep_alive);
    res.set(http::field::server, options_.server_name);
    res.set("X-Request-ID", ctx.request_id);
    res.prepare_payload();
    // Logged and counted before the write, so a client that has its answer
    // already finds it in /metrics.
    Finish(&ctx, &match, ctx.request.method(), res, request_bytes, start);
    s->stream.expires_after(options_.timeouts.write);
    co_await http::async_write(s->stream, res,
                               net::redirect_error(kUseAwaitable, ec));
    --in_flight_;
    s->busy = false;
    if (ec || !keep_alive) break;
    // An idle keep-alive connection keeps a small buffer, not its largest.
    if (buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
  }
  boost::system::error_code ignored;
  s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (unread_body) {
    // Lingering close: closing with unread data would send a reset that can
    // destroy our error response in the client's receive buffer. Discard
    // what the client still sends, for a short while.
    s->stream.expires_after(std::chrono::seconds(1));
    char sink[16 * 1024];
    for (size_t total = 0; total < (64u << 20);) {
      const size_t n = co_await s->stream.async_read_some(
          net::buffer(sink), net::redirect_error(kUseAwaitable, ec));
      if (ec) break;
      total += n;
    }
  }
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(s.get());
}

net::awaitable<Response> HttpServer::Dispatch(RequestContext& ctx,
                                              const Router::Match& match) {
  const std::string path(PathOf(ctx.request.target()));
  if (!match.path_known) {
    co_return ErrorResponse(
        ctx,
        NotFoundError("no route for " +
                      std::string(ctx.request.method_string()) + " " + path));
  }
  if (match.handler == nullptr) {
    Response res = ErrorResponse(
        ctx, Status(StatusCode::kMethodNotAllowed,
                    "method " + std::string(ctx.request.method_string()) +
                        " not allowed on " + path +
                        " (allowed: " + match.allowed + ")"));
    res.set(http::field::allow, match.allowed);
    co_return res;
  }
  std::string failure;
  try {
    co_return co_await (*match.handler)(ctx);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  LOG_ERROR("handler failed",
            {{"request_id", ctx.request_id}, {"error", failure}});
  co_return ErrorResponse(ctx, InternalError("internal error: " + failure));
}

void HttpServer::Finish(const RequestContext* ctx, const Router::Match* match,
                        http::verb method, const Response& res,
                        uint64_t request_bytes, Clock::time_point start) {
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  const int status = static_cast<int>(res.result_int());
  const std::string_view method_name = http::to_string(method);
  LOG_INFO("request",
           {{"request_id", ctx->request_id},
            {"method", method_name},
            {"route", match->route},
            {"path", PathOf(ctx->request.target()).substr(0, 256)},
            {"status", status},
            {"latency_ms", seconds * 1000.0},
            {"bytes_in", request_bytes},
            {"bytes_out", static_cast<uint64_t>(res.body().size())}},
           &ctx->log_fields);
  if (observer_ == nullptr) return;
  RequestRecord record;
  record.method = method_name;
  record.route = match->route;
  record.status = status;
  record.seconds = seconds;
  record.request_bytes = request_bytes;
  record.response_bytes = res.body().size();
  record.inference_route = match->options.inference;
  record.context = ctx;
  observer_->OnRequestDone(record);
}

}  // namespace ocr
