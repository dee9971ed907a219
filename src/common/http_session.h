// Internals of HttpServer (http_server.cc), apart to keep each file small:
// one connection's state, the reading and routing of a request's body
// (HttpServer::Serve, in http_server_serve.cc), the watch on its read side
// while a handler runs (client disconnect detection), reading a request's body
// into memory or a spool file, and writing a streamed response. Only the server
// includes this.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/http_server.h"
#include "common/http_types.h"

namespace ocr::http_internal {

using tcp = net::ip::tcp;

// Errors that mean the peer went away or was idle too long: close quietly.
bool IsQuietClose(const boost::system::error_code& ec);
// The target without its query string.
std::string_view PathOf(std::string_view target);

// Reads a connection while its request's handler runs, so that a client that
// closes or resets the connection is noticed: `on_gone` runs once, on the
// session's strand. Bytes that arrive meanwhile (a pipelined next request)
// are kept in the session's buffer; past `max_buffered` bytes there the
// watch stops reading (and can no longer tell).
class PeerWatch {
 public:
  PeerWatch(tcp::socket& socket, beast::flat_buffer& buffer);

  // Starts reading; `owner` is kept alive until the read is over.
  void Start(size_t max_buffered, std::function<void()> on_gone,
             std::shared_ptr<void> owner);
  // Stops reading and waits until the read is over; call before the socket
  // or the buffer are used again. Does nothing when not started.
  net::awaitable<void> Stop();

 private:
  net::awaitable<void> Run(std::shared_ptr<void> owner);

  tcp::socket& socket_;
  beast::flat_buffer& buffer_;
  size_t max_buffered_ = 0;
  std::function<void()> on_gone_;
  bool running_ = false;
  bool stopping_ = false;
  net::steady_timer finished_;  // cancelled when Run ends
};

// A streamed response's body: chunked for HTTP/1.1, the bare bytes (then the
// connection closes) for HTTP/1.0.
class ResponseStream final : public BodyStream {
 public:
  ResponseStream(beast::tcp_stream& stream,
                 std::chrono::milliseconds write_timeout,
                 const std::atomic<bool>& draining,
                 std::shared_ptr<std::atomic<bool>> client_gone);

  net::awaitable<bool> Write(std::string_view chunk) override;
  bool closed() const override;
  net::awaitable<bool> Pause(Clock::duration duration) override;

  // Sends `res`'s status and header, then runs `produce`; ends the body
  // unless it was cut short (a refused Write, an exception, a failed write),
  // so that clients can tell. True when the connection can be reused.
  net::awaitable<bool> Run(Response& res, const BodyProducer& produce,
                           std::string_view request_id);
  // Wakes a Pause: the client is gone or the server drains.
  void Wake();
  uint64_t bytes() const { return bytes_; }

 private:
  beast::tcp_stream& stream_;
  const std::chrono::milliseconds write_timeout_;
  const std::atomic<bool>& draining_;
  const std::shared_ptr<std::atomic<bool>> client_gone_;
  net::steady_timer wake_;
  bool chunked_ = true;
  bool failed_ = false;  // a write failed
  bool cut_ = false;     // the body ended early
  uint64_t bytes_ = 0;
};

// How reading a request's body ended.
struct BodyRead {
  boost::system::error_code ec;  // of the read (or of the spool file)
  Status storage;  // not OK: the body could not be stored (507, 500)
  uint64_t bytes = 0;
};

// Reads the body whose header `parser` holds within `timeout`, refusing more
// than `limit` bytes: into ctx.request (header and body), or with a
// non-empty `spool_dir` into a new file there (ctx.body_file; the body stays
// empty). On any failure the file is removed and ctx.body_file is empty.
net::awaitable<BodyRead> ReadBody(
    beast::tcp_stream& stream, beast::flat_buffer& buffer,
    http::request_parser<http::string_body>& parser, uint64_t limit,
    const std::string& spool_dir, std::chrono::milliseconds timeout,
    RequestContext& ctx);

}  // namespace ocr::http_internal

namespace ocr {

struct HttpServer::Session {
  explicit Session(http_internal::tcp::socket socket)
      : stream(std::move(socket)), watch(stream.socket(), buffer) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http_internal::PeerWatch watch;
  // Touched only on the session's strand.
  bool busy = false;
  http_internal::ResponseStream* body_stream = nullptr;  // streaming now
};

}  // namespace ocr
