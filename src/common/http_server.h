// An asynchronous HTTP/1.1 server (Boost.Beast, C++20 coroutines).
//
// Each connection runs as one coroutine on its own strand. The server enforces
// the header and body limits (413 from Content-Length before the body is
// read; a route may set its own, RouteOptions), the budget of body bytes held
// at once and a route's admission check (503 before the body is read), the
// number of open connections (503, then closed), per-step timeouts
// (common/connection_timeouts.h), keep-alive and `Expect: 100-continue`; it
// routes, calls the handler, and is the single seam where every request is
// logged and handed to the HttpObserver for metrics (a streamed response
// once its stream ended). Handlers never block: blocking work goes to a pool
// and is awaited (common/async_call.h).
//
// While a handler or its stream runs, the server reads the connection to
// notice a client that leaves (RequestContext::client_gone); a route may
// spool its body to a file (RouteOptions::spool_dir); a handler may stream
// its response (RequestContext::stream). See http_session.h.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/byte_budget.h"
#include "common/connection_timeouts.h"
#include "common/http_router.h"
#include "common/http_types.h"

namespace ocr {

// A request body with a Content-Length is read into a string with at least
// this many bytes of spare capacity: simdjson's padding (SIMDJSON_PADDING), so
// JSON bodies are parsed where they lie.
inline constexpr size_t kBodySlackBytes = 64;
// A request body is read in chunks of up to this many bytes; between requests
// a connection's read buffer shrinks back when it grew past kIdleBufferBytes.
inline constexpr size_t kBodyReadChunkBytes = 256 * 1024;
inline constexpr size_t kIdleBufferBytes = 16 * 1024;
// The first read of a request, when nothing of it is buffered yet.
inline constexpr size_t kFirstReadBytes = 4 * 1024;

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: any free port; see HttpServer::port()
  int64_t max_body_bytes = 64ll << 20;
  // Bytes of request bodies read into memory and held by their requests at
  // once (spooled bodies do not count); a body whose Content-Length does
  // not fit now gets 503 before it is read. 0: unlimited.
  int64_t max_inflight_body_bytes = 0;
  // Open connections; past it a new connection is answered 503 and closed.
  // 0: unlimited.
  int max_connections = 0;
  uint32_t max_header_bytes = 16 * 1024;
  ConnectionDeadlines timeouts;  // idle, header, body, write
  std::string server_name = "ocr";
  ErrorBodyFormatter error_body;  // defaults to {"error": m}
};

// What the seam reports for each finished request.
struct RequestRecord {
  std::string_view method;
  std::string_view route;  // template, or "none"
  int status = 0;
  double seconds = 0;
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  bool inference_route = false;
  const RequestContext* context = nullptr;  // null if no request was parsed
};

class HttpObserver {
 public:
  virtual ~HttpObserver() = default;
  // Called on the session's strand after the response was written. Must be
  // thread-safe across sessions.
  virtual void OnRequestDone(const RequestRecord& record) = 0;
};

class HttpServer {
 public:
  // `router` and `observer` are not owned and must outlive the server;
  // `observer` may be null.
  HttpServer(net::io_context& ioc, HttpServerOptions options,
             const Router& router, HttpObserver* observer);
  ~HttpServer();

  // Binds and listens. Returns kUnavailable when the address is taken.
  Status Listen();
  // Starts accepting (call after Listen; runs on the io_context's threads).
  void Start();
  // The bound port (after Listen).
  int port() const { return port_; }

  // Graceful shutdown, step 1: close idle keep-alive connections and answer
  // every request from now on with `Connection: close`. New connections are
  // still served (readiness probes then see 503) until StopAccepting().
  void BeginDrain();
  void StopAccepting();
  // Requests being read, handled or written now.
  int InFlight() const { return in_flight_.load(); }
  // Open connections, and bytes of request bodies held now.
  int Connections() const { return connections_->load(); }
  int64_t BodyBytesHeld() const { return body_budget_.used(); }

 private:
  struct Session;  // http_session.h
  // One request and its answer, as the session loop sees them.
  struct Exchange {
    Clock::time_point start;
    Router::Match match;
    Response res;
    uint64_t request_bytes = 0;
    bool close_after = false;      // the connection closes after the answer
    bool unread_body = false;      // answered before the body was read
    bool handled = false;          // the handler ran (its stream may be used)
    ByteBudget::Lease body_lease;  // the body's share of the budget
  };
  net::awaitable<void> AcceptLoop();
  net::awaitable<void> RunSession(std::shared_ptr<Session> session);
  // Answers a connection past max_connections with 503 and closes it.
  net::awaitable<void> Refuse(net::ip::tcp::socket socket);
  // 503 or 413 when the route refuses the request or its body does not fit
  // the budget now (then `x` holds the answer); else takes the body's lease.
  // `read_limit` becomes the most the body may hold.
  bool AdmitBody(RequestContext& ctx,
                 const http::request_parser<http::string_body>& parser,
                 Exchange& x, uint64_t* read_limit);
  // Routes the request whose header `parser` holds, reads its body and runs
  // the handler, filling `x`. False when the peer went away meanwhile.
  net::awaitable<bool> Serve(const std::shared_ptr<Session>& s,
                             http::request_parser<http::string_body>& parser,
                             RequestContext& ctx, Exchange& x);
  net::awaitable<Response> Dispatch(RequestContext& ctx,
                                    const Router::Match& match);
  void Finish(const RequestContext& ctx, const Exchange& x,
              uint64_t response_bytes);

  net::io_context& ioc_;
  HttpServerOptions options_;
  const Router& router_;
  HttpObserver* observer_;
  net::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  // Shared with every session: a session's frame may be destroyed after the
  // server (when the io_context is torn down with it still suspended).
  std::shared_ptr<std::atomic<int>> connections_ =
      std::make_shared<std::atomic<int>>(0);
  std::atomic<int64_t> last_refusal_log_ms_{0};
  ByteBudget body_budget_;
  std::mutex sessions_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace ocr
