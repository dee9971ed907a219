#include "common/http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <vector>

#include "common/async_call.h"
#include "common/options.h"

namespace ocr {
namespace {

using tcp = net::ip::tcp;
constexpr auto kAwait = net::use_awaitable;

struct Resolved {
  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;  // tried in order by async_connect
};

// A connection attempt that fails at `connect_deadline` is an unreachable
// endpoint (worth trying the next one), unless that was the caller's own
// deadline: then no time is left and it is a timeout.
void FailConnect(HttpAttempt& attempt, boost::system::error_code ec,
                 Clock::time_point connect_deadline,
                 Clock::time_point deadline) {
  attempt.failed_at = HttpAttempt::Stage::kConnect;
  attempt.error = ec;
  attempt.timed_out =
      ec == beast::error::timeout &&
      (connect_deadline >= deadline || Clock::now() >= deadline);
}

// The addresses of `endpoint`, or an error; beast::error::timeout when the
// lookup did not finish by `connect_deadline`. Must run on a strand (or a
// single-threaded executor), as AwaitCallback requires.
net::awaitable<Resolved> Resolve(net::any_io_executor executor,
                                 const HttpEndpoint& endpoint,
                                 Clock::time_point connect_deadline) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(endpoint.host, ec);
  int64_t port = 0;
  if (!ec && ParseInt64(endpoint.port, &port) && port > 0 && port <= 65535) {
    // A literal address needs no lookup, so it never queues behind a slow
    // one on Asio's single resolver thread.
    co_return Resolved{{},
                       {tcp::endpoint(address, static_cast<uint16_t>(port))}};
  }
  // getaddrinfo cannot be interrupted: cancel() only stops a lookup that has
  // not started yet. So the attempt stops waiting at the deadline and leaves
  // the lookup to finish on its own; the resolver lives until its handler.
  auto resolver = std::make_shared<tcp::resolver>(std::move(executor));
  // Named, not temporaries of the co_await expression: GCC 12 can destroy
  // such temporaries twice, which would release `resolver` once too often.
  auto start = [&](std::function<void(Resolved)> done) {
    resolver->async_resolve(
        endpoint.host, endpoint.port,
        [resolver, done = std::move(done)](
            boost::system::error_code resolve_ec,
            tcp::resolver::results_type results) {
          done(Resolved{resolve_ec, {results.begin(), results.end()}});
        });
  };
  const std::function<void()> on_timeout = [resolver] { resolver->cancel(); };
  auto outcome =
      co_await AwaitCallback<Resolved>(connect_deadline, start, on_timeout);
  if (!outcome) co_return Resolved{beast::error::timeout, {}};
  co_return std::move(*outcome);
}

}  // namespace

struct HttpClient::Connection {
  explicit Connection(net::any_io_executor ex) : stream(ex) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
  bool reused = false;
};

StatusOr<HttpEndpoint> ParseHttpUrl(std::string_view url) {
  HttpEndpoint ep;
  ep.url = std::string(url);
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return InvalidArgumentError("model URL '" + ep.url +
                                "' must start with http://");
  }
  url.remove_prefix(kScheme.size());
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos ||
      url.find('@') != std::string_view::npos) {
    return InvalidArgumentError("model URL '" + ep.url +
                                "' must be http://host[:port]");
  }
  std::string_view host = url, port = "80";
  if (url.front() == '[') {  // [v6]:port
    const auto close = url.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError("model URL '" + ep.url + "' is malformed");
    }
    host = url.substr(1, close - 1);
    if (close + 1 < url.size()) {
      if (url[close + 1] != ':') {
        return InvalidArgumentError("model URL '" + ep.url + "' is malformed");
      }
      port = url.substr(close + 2);
    }
  } else if (const auto colon = url.rfind(':');
             colon != std::string_view::npos) {
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  int64_t port_number = 0;
  if (host.empty() || !ParseInt64(port, &port_number) || port_number < 1 ||
      port_number > 65535) {
    return InvalidArgumentError("model URL '" + ep.url +
                                "' has a bad host or port");
  }
  ep.host = std::string(host);
  ep.port = std::string(port);
  return ep;
}

HttpClient::HttpClient(net::any_io_executor executor, HttpClientOptions options)
    : executor_(std::move(executor)), options_(options) {}

HttpClient::~HttpClient() = default;

size_t HttpClient::IdleConnections() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

std::unique_ptr<HttpClient::Connection> HttpClient::TakeIdle(
    const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  const auto now = Clock::now();
  while (!list.empty()) {
    auto c = std::move(list.back());  // most recently used first
    list.pop_back();
    if (now - c->idle_since < options_.idle_timeout) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void HttpClient::ReturnIdle(const std::string& key,
                            std::unique_ptr<Connection> c) {
  c->idle_since = Clock::now();
  std::lock_guard lock(mu_);
  auto& list = idle_[key];
  if (list.size() >= options_.max_idle_per_endpoint) list.pop_front();
  list.push_back(std::move(c));
}

net::awaitable<HttpAttempt> HttpClient::Send(const HttpEndpoint& endpoint,
                                             OutgoingRequest request,
                                             Clock::time_point deadline,
                                             CallCanceller* cancel) {
  const std::string key = endpoint.host + ":" + endpoint.port;
  request.set(http::field::host,
              endpoint.host_header.empty() ? key : endpoint.host_header);
  request.keep_alive(options_.keep_alive);
  request.prepare_payload();

  // A pooled connection the server has closed fails before any response
  // byte: then try once more on a new connection. Both writes serialise the
  // same `request`, whose body is a view of the caller's buffer.
  if (auto pooled = options_.keep_alive ? TakeIdle(key) : nullptr) {
    HttpAttempt attempt =
        co_await SendOn(*pooled, endpoint, request, deadline, cancel);
    if (attempt.failed_at == HttpAttempt::Stage::kNone) {
      if (attempt.response.keep_alive()) ReturnIdle(key, std::move(pooled));
      co_return attempt;
    }
    if (attempt.timed_out || Clock::now() >= deadline) co_return attempt;
    // Neither an answer over the limit nor a cancelled call is a stale
    // connection: a second write would only do the work again.
    if (attempt.error == http::error::body_limit ||
        (cancel != nullptr && cancel->cancelled())) {
      co_return attempt;
    }
  }

  auto fresh = std::make_unique<Connection>(executor_);
  HttpAttempt attempt;
  boost::system::error_code ec;
  // One budget for name resolution and the TCP handshake together.
  const auto connect_deadline =
      std::min(deadline, Clock::now() + options_.connect_timeout);
  auto resolved = co_await Resolve(executor_, endpoint, connect_deadline);
  if (resolved.ec) {
    FailConnect(attempt, resolved.ec, connect_deadline, deadline);
    co_return attempt;
  }
  fresh->stream.expires_at(connect_deadline);
  co_await fresh->stream.async_connect(resolved.endpoints,
                                       net::redirect_error(kAwait, ec));
  if (ec) {
    FailConnect(attempt, ec, connect_deadline, deadline);
    co_return attempt;
  }
  fresh->stream.socket().set_option(tcp::no_delay(true), ec);
  attempt = co_await SendOn(*fresh, endpoint, request, deadline, cancel);
  if (attempt.failed_at == HttpAttempt::Stage::kNone && options_.keep_alive &&
      attempt.response.keep_alive()) {
    ReturnIdle(key, std::move(fresh));
  }
  co_return attempt;
}

net::awaitable<HttpAttempt> HttpClient::SendOn(Connection& c,
                                               const HttpEndpoint&,
                                               const OutgoingRequest& request,
                                               Clock::time_point deadline,
                                               CallCanceller* cancel) {
  HttpAttempt attempt;
  boost::system::error_code ec;
  // Shutting the socket down (a system call on its descriptor, safe from
  // another thread) ends the pending write or read here with an error.
  const CallCanceller::Scope scope(cancel, [&c] {
    boost::system::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  });
  c.stream.expires_at(deadline);
  co_await http::async_write(c.stream, request,
                             net::redirect_error(kAwait, ec));
  if (ec) {
    attempt.failed_at = HttpAttempt::Stage::kSend;
    attempt.error = ec;
    attempt.timed_out = ec == beast::error::timeout;
    co_return attempt;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  // The header first, its Content-Length checked here: Beast 1.74 forgets
  // its own body_limit error when the body arrived in the same read.
  co_await http::async_read_header(c.stream, c.buffer, parser,
                                   net::redirect_error(kAwait, ec));
  if (!ec && parser.content_length() &&
      *parser.content_length() > options_.max_response_bytes) {
    ec = http::error::body_limit;
    attempt.response.base() = parser.get().base();  // the status, no body
  }
  if (!ec && !parser.is_done()) {
    co_await http::async_read(c.stream, c.buffer, parser,
                              net::redirect_error(kAwait, ec));
  }
  if (ec) {
    attempt.failed_at = HttpAttempt::Stage::kReceive;
    attempt.error = ec;
    attempt.timed_out = ec == beast::error::timeout;
    co_return attempt;
  }
  attempt.response = parser.release();
  co_return attempt;
}

}  // namespace ocr
