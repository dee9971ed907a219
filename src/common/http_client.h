// An asynchronous HTTP/1.1 client (Boost.Beast, coroutines) with a
// keep-alive connection pool per endpoint. One Send is one attempt: retry
// policy belongs to the caller. A pooled connection that turns out to be
// closed by the peer is replaced by a fresh one transparently (once).
//
// Request bodies are never copied: an OutgoingRequest's body is a view of a
// buffer the caller owns, serialised straight from there onto the socket.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/span_body.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/call_canceller.h"
#include "common/http_types.h"

namespace ocr {

struct HttpEndpoint {
  std::string host;
  std::string port;
  std::string url;  // as configured, for logs and labels
  // The Host header to send; "" for host:port. Lets a caller connect to an
  // address it resolved and checked itself while naming the host it means.
  std::string host_header;
};

// Parses "http://host[:port][/]" (no path, no https). kInvalidArgument else.
StatusOr<HttpEndpoint> ParseHttpUrl(std::string_view url);

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  size_t max_idle_per_endpoint = 32;
  std::chrono::seconds idle_timeout{30};
  uint64_t max_response_bytes = 64ull << 20;
  // false: every request on a new connection, sent with "Connection: close"
  // and never pooled (for one-off destinations such as webhook receivers).
  bool keep_alive = true;
};

// A request to send. Its body is a view (span) of memory the caller owns and
// must keep alive and unchanged until Send completes; every attempt built on
// the same buffer sends the same bytes without copying them. Make one with
// OutgoingRequest{method, target, 11} and set the body with BodyView(s).
using OutgoingRequest = http::request<http::span_body<const char>>;

// A body view of `bytes` for an OutgoingRequest (no copy).
inline beast::span<const char> BodyView(std::string_view bytes) {
  return {bytes.data(), bytes.size()};
}

// The result of one attempt.
struct HttpAttempt {
  enum class Stage { kNone, kConnect, kSend, kReceive };
  Stage failed_at = Stage::kNone;   // kNone: a response arrived
  boost::system::error_code error;  // why it failed
  bool timed_out = false;           // the deadline passed
  // The response; after a body over max_response_bytes announced by its
  // Content-Length (kReceive, http::error::body_limit), its header only.
  Response response;
};

class HttpClient {
 public:
  HttpClient(net::any_io_executor executor, HttpClientOptions options);
  ~HttpClient();

  // Sends `request` (Host, keep-alive and Content-Length are set here) and
  // reads the response, all before `deadline`. The buffer `request.body()`
  // views must stay alive until the returned awaitable completes; it is sent
  // as is, also when a stale pooled connection forces a second write. Never
  // throws. `cancel` (optional) stops the attempt from any thread: the
  // connection is shut down, so the server sees its client go.
  net::awaitable<HttpAttempt> Send(const HttpEndpoint& endpoint,
                                   OutgoingRequest request,
                                   Clock::time_point deadline,
                                   CallCanceller* cancel = nullptr);

  // Connections idle in the pool now (for metrics and tests).
  size_t IdleConnections() const;

 private:
  struct Connection;
  std::unique_ptr<Connection> TakeIdle(const std::string& key);
  void ReturnIdle(const std::string& key, std::unique_ptr<Connection> c);
  net::awaitable<HttpAttempt> SendOn(Connection& connection,
                                     const HttpEndpoint& endpoint,
                                     const OutgoingRequest& request,
                                     Clock::time_point deadline,
                                     CallCanceller* cancel);

  net::any_io_executor executor_;
  HttpClientOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
};

}  // namespace ocr
