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
#include <filesystem>

#include "common/http_session.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "common/system_info.h"

namespace ocr {
namespace {

using tcp = net::ip::tcp;
using http_internal::IsQuietClose;
using http_internal::PathOf;
constexpr auto kUseAwaitable = net::use_awaitable;

// Removes the file a request's body was spooled to, if it is still there
// (a handler that keeps the file renames it).
void RemoveBodyFile(std::string& path) {
  if (path.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  path.clear();
}

// The same when a session ends abruptly (its coroutine destroyed).
struct RemoveFileAtExit {
  std::string* path;
  ~RemoveFileAtExit() { RemoveBodyFile(*path); }
};

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

HttpServer::HttpServer(net::io_context& ioc, HttpServerOptions options,
                       const Router& router, HttpObserver* observer)
    : ioc_(ioc),
      options_(std::move(options)),
      router_(router),
      observer_(observer),
      acceptor_(ioc),
      body_budget_(options_.max_inflight_body_bytes) {
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
        // A streamed response ends: its producer sees closed().
        if (session->body_stream != nullptr) session->body_stream->Wake();
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
    if (options_.max_connections > 0 &&
        connections_->load() >= options_.max_connections) {
      auto executor = socket.get_executor();
      net::co_spawn(executor, Refuse(tcp::socket(std::move(socket))),
                    LogEscapedException{"refuse"});
      continue;
    }
    ++*connections_;
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

net::awaitable<void> HttpServer::Refuse(tcp::socket socket) {
  const int open = connections_->load();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             Clock::now().time_since_epoch())
                             .count();
  // One line per second at most: a flood of connections is not a flood of
  // log lines.
  if (int64_t last = last_refusal_log_ms_.load();
      now_ms - last >= 1000 &&
      last_refusal_log_ms_.compare_exchange_strong(last, now_ms)) {
    LOG_WARNING(
        "connection refused: too many open",
        {{"connections", open}, {"max_connections", options_.max_connections}});
  }
  beast::tcp_stream stream(std::move(socket));
  http::response<http::string_body> res{http::status::service_unavailable, 11};
  res.set(http::field::server, options_.server_name);
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, "1");
  res.body() = options_.error_body(
      "too many connections: " + std::to_string(open) +
      " open (--max-connections " + std::to_string(options_.max_connections) +
      "); retry later");
  res.keep_alive(false);
  res.prepare_payload();
  boost::system::error_code ec;
  stream.expires_after(options_.timeouts.write);
  co_await http::async_write(stream, res,
                             net::redirect_error(kUseAwaitable, ec));
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  // Lingering close: read what the client sends meanwhile (its request), so
  // that closing does not reset the connection under our answer.
  stream.expires_after(std::chrono::seconds(1));
  char sink[4 * 1024];
  for (size_t total = 0; total < (1u << 20);) {
    const size_t n = co_await stream.async_read_some(
        net::buffer(sink), net::redirect_error(kUseAwaitable, ec));
    if (ec) break;
    total += n;
  }
}

net::awaitable<void> HttpServer::RunSession(std::shared_ptr<Session> s) {
  // Counted from the accept until the connection is done with.
  struct Counted {
    std::shared_ptr<std::atomic<int>> n;
    ~Counted() { --*n; }
  } counted{connections_};
  beast::flat_buffer& buffer = s->buffer;
  boost::system::error_code ec;
  bool unread_body = false;  // we answered before reading the whole request
  // A route may take more than the server's limit: the header's
  // Content-Length is checked against the route's own once it is matched.
  const uint64_t header_body_limit = static_cast<uint64_t>(
      std::max(options_.max_body_bytes, router_.max_route_body_bytes()));
  for (bool first = true; first || !draining_; first = false) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.max_header_bytes);
    parser.body_limit(header_body_limit);
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
    Exchange x;
    x.start = Clock::now();
    RequestContext ctx;
    ctx.received = x.start;
    ctx.executor = s->stream.get_executor();
    ctx.error_body = &options_.error_body;
    // Whatever happens, a spooled body does not outlive its request.
    const RemoveFileAtExit remove_body_file{&ctx.body_file};

    if (ec == http::error::body_limit) {
      // Beast refuses a Content-Length over every route's limit while
      // parsing the header: answer 413 without reading the body.
      x.close_after = true;
      x.unread_body = true;
      ctx.request_id = NewUuid();
      x.res = ErrorResponse(
          ctx,
          PayloadTooLargeError("request body exceeds the limit of " +
                               std::to_string(header_body_limit) + " bytes"));
    } else if (ec) {
      // Malformed or oversized header: answer once, then close.
      x.close_after = true;
      ctx.request_id = NewUuid();
      const bool too_big = ec == http::error::header_limit;
      x.res = ErrorResponse(
          ctx, InvalidArgumentError(too_big ? "request header too large"
                                            : "malformed HTTP request: " +
                                                  ec.message()));
      if (too_big) {
        x.res.result(http::status::request_header_fields_too_large);
      }
    } else if (!co_await Serve(s, parser, ctx, x)) {
      --in_flight_;
      break;  // peer gone or too slow: nobody to answer
    }
    unread_body = unread_body || x.unread_body;

    x.res.version(ctx.request.version() == 10 ? 10 : 11);
    bool keep_alive = !x.close_after && !draining_ &&
                      ctx.request.keep_alive() && !ctx.client_gone->load();
    x.res.keep_alive(keep_alive);
    x.res.set(http::field::server, options_.server_name);
    x.res.set("X-Request-ID", ctx.request_id);
    if (x.handled && ctx.stream) {
      http_internal::ResponseStream out(s->stream, options_.timeouts.write,
                                        draining_, ctx.client_gone);
      s->body_stream = &out;
      const bool reusable = co_await out.Run(x.res, ctx.stream, ctx.request_id);
      keep_alive = reusable && keep_alive && !draining_;
      s->body_stream = nullptr;
      RemoveBodyFile(ctx.body_file);
      ec = {};
      // Logged and counted once the stream is over, with what it sent.
      Finish(ctx, x, out.bytes());
    } else {
      RemoveBodyFile(ctx.body_file);
      x.res.prepare_payload();
      // Logged and counted before the write, so a client that has its
      // answer already finds it in /metrics.
      Finish(ctx, x, x.res.body().size());
      s->stream.expires_after(options_.timeouts.write);
      co_await http::async_write(s->stream, x.res,
                                 net::redirect_error(kUseAwaitable, ec));
    }
    co_await s->watch.Stop();
    --in_flight_;
    s->busy = false;
    if (ec || !keep_alive || ctx.client_gone->load()) break;
    // An idle keep-alive connection keeps a small buffer, not its largest.
    if (buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
  }
  co_await s->watch.Stop();
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

void HttpServer::Finish(const RequestContext& ctx, const Exchange& x,
                        uint64_t response_bytes) {
  const double seconds =
      std::chrono::duration<double>(Clock::now() - x.start).count();
  const int status = static_cast<int>(x.res.result_int());
  const std::string_view method_name = http::to_string(ctx.request.method());
  LOG_INFO("request",
           {{"request_id", ctx.request_id},
            {"method", method_name},
            {"route", x.match.route},
            {"path", PathOf(ctx.request.target()).substr(0, 256)},
            {"status", status},
            {"latency_ms", seconds * 1000.0},
            {"bytes_in", x.request_bytes},
            {"bytes_out", response_bytes}},
           &ctx.log_fields);
  if (observer_ == nullptr) return;
  RequestRecord record;
  record.method = method_name;
  record.route = x.match.route;
  record.status = status;
  record.seconds = seconds;
  record.request_bytes = x.request_bytes;
  record.response_bytes = response_bytes;
  record.inference_route = x.match.options.inference;
  record.context = &ctx;
  observer_->OnRequestDone(record);
}

}  // namespace ocr
