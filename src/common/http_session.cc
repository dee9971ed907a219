// HttpServer's internals: the peer watch, streamed responses and the
// reading of request bodies (see http_session.h).
#include "common/http_session.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <exception>
#include <filesystem>

#include "common/http_server.h"
#include "common/logging.h"
#include "common/system_info.h"

namespace ocr::http_internal {
namespace {

constexpr auto kUseAwaitable = net::use_awaitable;
// The watch reads at most this much per call.
constexpr size_t kWatchReadBytes = 4 * 1024;

void RemoveFile(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

// A spool file write that failed for want of room: 507.
bool IsOutOfRoom(const boost::system::error_code& ec) {
  return ec.category() == boost::system::system_category() &&
         (ec.value() == ENOSPC || ec.value() == EDQUOT || ec.value() == EFBIG);
}

}  // namespace

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool IsQuietClose(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::operation_aborted ||
         ec == net::error::connection_reset || ec == net::error::eof ||
         ec == net::error::broken_pipe || ec == http::error::partial_message;
}

// ---- PeerWatch -------------------------------------------------------------

PeerWatch::PeerWatch(tcp::socket& socket, beast::flat_buffer& buffer)
    : socket_(socket), buffer_(buffer), finished_(socket.get_executor()) {}

void PeerWatch::Start(size_t max_buffered, std::function<void()> on_gone,
                      std::shared_ptr<void> owner) {
  max_buffered_ = max_buffered;
  on_gone_ = std::move(on_gone);
  running_ = true;
  stopping_ = false;
  net::co_spawn(socket_.get_executor(), Run(std::move(owner)),
                [](std::exception_ptr e) {
                  if (e) LOG_ERROR("peer watch failed", {});
                });
}

net::awaitable<void> PeerWatch::Run(std::shared_ptr<void> owner) {
  boost::system::error_code ec;
  while (!stopping_ && buffer_.size() < max_buffered_) {
    const size_t want =
        std::min(kWatchReadBytes, max_buffered_ - buffer_.size());
    const size_t n = co_await socket_.async_read_some(
        buffer_.prepare(want), net::redirect_error(kUseAwaitable, ec));
    buffer_.commit(n);
    if (ec) {
      // Closed, reset, or the socket closed under us (a write timeout).
      if (!stopping_ && on_gone_) on_gone_();
      break;
    }
  }
  running_ = false;
  on_gone_ = nullptr;
  finished_.cancel();
  owner.reset();
}

net::awaitable<void> PeerWatch::Stop() {
  stopping_ = true;
  if (!running_) co_return;
  boost::system::error_code ec;
  socket_.cancel(ec);
  finished_.expires_at(Clock::time_point::max());
  while (running_) {
    co_await finished_.async_wait(net::redirect_error(kUseAwaitable, ec));
  }
}

// ---- ResponseStream --------------------------------------------------------

ResponseStream::ResponseStream(beast::tcp_stream& stream,
                               std::chrono::milliseconds write_timeout,
                               const std::atomic<bool>& draining,
                               std::shared_ptr<std::atomic<bool>> client_gone)
    : stream_(stream),
      write_timeout_(write_timeout),
      draining_(draining),
      client_gone_(std::move(client_gone)),
      wake_(stream.get_executor()) {}

bool ResponseStream::closed() const {
  return failed_ || draining_.load() || client_gone_->load();
}

net::awaitable<bool> ResponseStream::Write(std::string_view chunk) {
  if (closed()) {
    cut_ = true;
    co_return false;
  }
  if (chunk.empty()) co_return true;  // an empty chunk would end the body
  boost::system::error_code ec;
  stream_.expires_after(write_timeout_);
  const net::const_buffer data(chunk.data(), chunk.size());
  if (chunked_) {
    // Named, not a temporary of the co_await expression: GCC 12 can destroy
    // such temporaries twice (the chunk holds a shared_ptr).
    const auto framed = http::make_chunk(data);
    co_await net::async_write(stream_, framed,
                              net::redirect_error(kUseAwaitable, ec));
  } else {
    co_await net::async_write(stream_, data,
                              net::redirect_error(kUseAwaitable, ec));
  }
  if (ec) {
    failed_ = true;
    cut_ = true;
    co_return false;
  }
  bytes_ += chunk.size();
  co_return true;
}

net::awaitable<bool> ResponseStream::Pause(Clock::duration duration) {
  if (closed()) co_return false;
  boost::system::error_code ec;
  wake_.expires_after(duration);
  co_await wake_.async_wait(net::redirect_error(kUseAwaitable, ec));
  co_return !closed();
}

void ResponseStream::Wake() { wake_.cancel(); }

net::awaitable<bool> ResponseStream::Run(Response& res,
                                         const BodyProducer& produce,
                                         std::string_view request_id) {
  chunked_ = res.version() >= 11;
  if (!chunked_) res.keep_alive(false);
  http::response<http::empty_body> head(std::move(res.base()));
  if (chunked_) {
    head.chunked(true);
  } else {
    head.content_length(boost::none);
  }
  boost::system::error_code ec;
  http::response_serializer<http::empty_body> serializer(head);
  stream_.expires_after(write_timeout_);
  co_await http::async_write_header(stream_, serializer,
                                    net::redirect_error(kUseAwaitable, ec));
  if (ec) co_return false;
  std::string failure;
  try {
    // Named, not a temporary of the co_await expression (GCC 12).
    net::awaitable<void> body = produce(*this);
    co_await std::move(body);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (!failure.empty()) {
    cut_ = true;
    LOG_ERROR("response stream failed",
              {{"request_id", request_id}, {"error", failure}});
  }
  if (cut_ || failed_ || client_gone_->load()) co_return false;
  if (chunked_) {
    stream_.expires_after(write_timeout_);
    const auto last = http::make_chunk_last();
    co_await net::async_write(stream_, last,
                              net::redirect_error(kUseAwaitable, ec));
  }
  co_return !ec && chunked_ && head.keep_alive();
}

// ---- Request bodies --------------------------------------------------------

net::awaitable<BodyRead> ReadBody(
    beast::tcp_stream& stream, beast::flat_buffer& buffer,
    http::request_parser<http::string_body>& parser, uint64_t limit,
    const std::string& spool_dir, std::chrono::milliseconds timeout,
    RequestContext& ctx) {
  BodyRead read;
  const auto length = parser.content_length();
  // Beast reads at most the buffer's spare capacity (at least 512 bytes) per
  // call: a large body in header-sized reads costs a coroutine round trip
  // per kilobyte (40 ms for 4 MB here).
  if (length && *length > buffer.capacity()) {
    buffer.reserve(
        static_cast<size_t>(std::min<uint64_t>(*length, kBodyReadChunkBytes)));
  }
  if (spool_dir.empty()) {
    parser.body_limit(limit);
    // Room for the body plus kBodySlackBytes: a JSON parser that reads past
    // the end (simdjson) can then parse it in place instead of copying it.
    // Beast's reserve(length) keeps this.
    if (length) {
      parser.get().body().reserve(static_cast<size_t>(*length) +
                                  kBodySlackBytes);
    }
    stream.expires_after(timeout);
    co_await http::async_read(stream, buffer, parser,
                              net::redirect_error(kUseAwaitable, read.ec));
    if (!read.ec) {
      ctx.request = parser.release();
      read.bytes = ctx.request.body().size();
    }
    co_return read;
  }

  http::request_parser<http::file_body> spool(std::move(parser));
  spool.body_limit(limit);
  const std::string path =
      (std::filesystem::path(spool_dir) / ("body-" + NewUuid())).string();
  auto& file = spool.get().body();
  file.open(path.c_str(), beast::file_mode::write_new, read.ec);
  if (read.ec) {
    const std::string why =
        "cannot create a file for the request body: " + read.ec.message();
    read.storage = IsOutOfRoom(read.ec) ? InsufficientStorageError(why)
                                        : InternalError(why);
    co_return read;
  }
  stream.expires_after(timeout);
  co_await http::async_read(stream, buffer, spool,
                            net::redirect_error(kUseAwaitable, read.ec));
  ctx.request.base() = spool.get().base();
  if (!read.ec) read.bytes = file.file().size(read.ec);
  boost::system::error_code closed;
  file.file().close(closed);
  if (!read.ec) read.ec = closed;
  if (read.ec) {
    RemoveFile(path);
    const std::string why =
        "cannot store the request body: " + read.ec.message();
    if (IsOutOfRoom(read.ec)) {
      read.storage = InsufficientStorageError(why);
    } else if (closed) {
      read.storage = InternalError(why);
    }
    co_return read;
  }
  ctx.body_file = path;
  co_return read;
}

}  // namespace ocr::http_internal
