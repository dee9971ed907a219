// HttpClient's connection deadline: a handshake that never completes and a
// name lookup that hangs both end at --connect-timeout as an unreachable
// endpoint (worth trying the next one), not as the request's own timeout.
//
// Slow DNS without a network: this binary defines getaddrinfo itself, which
// the client's calls bind to (the executable comes first in symbol lookup).
// Names under kSlowDomain hang until released; every other name goes to the
// C library's getaddrinfo.
#include "common/http_client.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <string_view>
#include <thread>

#include "support/unanswered_port.h"

namespace {

constexpr std::string_view kSlowDomain = ".slow-dns.test";
std::atomic<bool> release_slow_lookups{false};
std::atomic<int> slow_lookups{0};

}  // namespace

extern "C" int getaddrinfo(const char* name, const char* service,
                           const addrinfo* hints, addrinfo** result) {
  if (name != nullptr && std::string_view(name).ends_with(kSlowDomain)) {
    ++slow_lookups;
    // Like a DNS server that does not answer: 10 s, or until the test ends.
    for (int i = 0; i < 1000 && !release_slow_lookups; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return EAI_AGAIN;
  }
  using Fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static const auto real =
      reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(name, service, hints, result);
}

namespace ocr {
namespace {

using namespace std::chrono_literals;
using tcp = net::ip::tcp;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { release_slow_lookups = false; }
  void TearDown() override {
    release_slow_lookups = true;  // so the resolver thread can be joined
  }

  // One Send on a single-threaded io_context, as the gateway's strands do.
  HttpAttempt SendOnce(HttpClient& client, const HttpEndpoint& endpoint,
                       std::chrono::milliseconds budget) {
    HttpAttempt out;
    net::co_spawn(
        ioc_,
        [&]() -> net::awaitable<void> {
          OutgoingRequest request{http::verb::get, "/", 11};
          out = co_await client.Send(endpoint, std::move(request),
                                     Clock::now() + budget);
        },
        // Done: stop even though the server, or a lookup left behind, still
        // has work queued.
        [this](std::exception_ptr) { ioc_.stop(); });
    ioc_.restart();
    ioc_.run();
    return out;
  }

  // Answers every request on 127.0.0.1 with 200 and `body` in one write (one
  // per connection).
  int StartAnsweringServer(std::string body = "ok") {
    answer_ =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n";
    answer_ += body;
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    net::co_spawn(
        ioc_,
        [this]() -> net::awaitable<void> {
          boost::system::error_code ec;
          for (;;) {
            auto socket = co_await acceptor_.async_accept(
                net::redirect_error(net::use_awaitable, ec));
            if (ec) co_return;
            net::streambuf head;
            co_await net::async_read_until(
                socket, head, "\r\n\r\n",
                net::redirect_error(net::use_awaitable, ec));
            co_await net::async_write(
                socket, net::buffer(answer_),
                net::redirect_error(net::use_awaitable, ec));
          }
        },
        [](std::exception_ptr) {});
    return acceptor_.local_endpoint().port();
  }

  static HttpEndpoint Endpoint(const std::string& host, int port) {
    const std::string url = "http://" + host + ":" + std::to_string(port);
    auto endpoint = ParseHttpUrl(url);
    EXPECT_TRUE(endpoint.ok()) << url;
    return *endpoint;
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::string answer_;
};

TEST_F(HttpClientTest, AnswersFromALiteralAddress) {
  const int port = StartAnsweringServer();
  HttpClient client(ioc_.get_executor(), {});
  const HttpAttempt a = SendOnce(client, Endpoint("127.0.0.1", port), 5s);
  EXPECT_EQ(a.failed_at, HttpAttempt::Stage::kNone) << a.error.message();
  EXPECT_EQ(a.response.body(), "ok");
}

// An answer over max_response_bytes fails as body_limit, also when its
// header and body arrive together; one at the limit is read.
TEST_F(HttpClientTest, AnswerOverTheResponseLimitFailsAsBodyLimit) {
  const int port = StartAnsweringServer(std::string(4096, 'x'));
  HttpClientOptions limit;
  limit.max_response_bytes = 4095;
  HttpClient small(ioc_.get_executor(), limit);
  const HttpAttempt over = SendOnce(small, Endpoint("127.0.0.1", port), 5s);
  EXPECT_EQ(over.failed_at, HttpAttempt::Stage::kReceive);
  EXPECT_EQ(over.error, http::error::body_limit) << over.error.message();
  limit.max_response_bytes = 4096;
  HttpClient exact(ioc_.get_executor(), limit);
  const HttpAttempt at = SendOnce(exact, Endpoint("127.0.0.1", port), 5s);
  EXPECT_EQ(at.failed_at, HttpAttempt::Stage::kNone) << at.error.message();
  EXPECT_EQ(at.response.body().size(), 4096u);
}

TEST_F(HttpClientTest, ConnectTimeoutIsAnUnreachableEndpoint) {
  testing::UnansweredPort unanswered;
  ASSERT_TRUE(unanswered.Verify()) << "loopback SYNs are not dropped here";
  HttpClient client(ioc_.get_executor(), {.connect_timeout = 200ms});
  const auto start = Clock::now();
  const HttpAttempt a =
      SendOnce(client, Endpoint("127.0.0.1", unanswered.port()), 10s);
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_EQ(a.failed_at, HttpAttempt::Stage::kConnect);
  EXPECT_EQ(a.error, beast::error::timeout) << a.error.message();
  // Time is left on the request: the caller may try another endpoint.
  EXPECT_FALSE(a.timed_out);
}

TEST_F(HttpClientTest, ConnectCutShortByTheRequestDeadlineIsATimeout) {
  testing::UnansweredPort unanswered;
  ASSERT_TRUE(unanswered.Verify());
  HttpClient client(ioc_.get_executor(), {.connect_timeout = 5000ms});
  const HttpAttempt a =
      SendOnce(client, Endpoint("127.0.0.1", unanswered.port()), 200ms);
  EXPECT_EQ(a.failed_at, HttpAttempt::Stage::kConnect);
  EXPECT_TRUE(a.timed_out);
}

TEST_F(HttpClientTest, HangingNameLookupEndsAtTheConnectTimeout) {
  HttpClient client(ioc_.get_executor(), {.connect_timeout = 200ms});
  const int before = slow_lookups;
  const auto start = Clock::now();
  const HttpAttempt a =
      SendOnce(client, Endpoint("model" + std::string(kSlowDomain), 8080), 10s);
  EXPECT_LT(SecondsSince(start), 2.0) << "the lookup was waited for";
  EXPECT_EQ(slow_lookups, before + 1);
  EXPECT_EQ(a.failed_at, HttpAttempt::Stage::kConnect);
  EXPECT_EQ(a.error, beast::error::timeout) << a.error.message();
  EXPECT_FALSE(a.timed_out);
}

TEST_F(HttpClientTest, HangingNameLookupCutByTheRequestDeadlineIsATimeout) {
  HttpClient client(ioc_.get_executor(), {.connect_timeout = 5000ms});
  const HttpAttempt a =
      SendOnce(client, Endpoint("a" + std::string(kSlowDomain), 80), 200ms);
  EXPECT_EQ(a.failed_at, HttpAttempt::Stage::kConnect);
  EXPECT_TRUE(a.timed_out);
}

// Asio runs every lookup of an io_context on one thread, so a literal
// address must not queue behind a lookup that hangs.
TEST_F(HttpClientTest, LiteralAddressDoesNotWaitBehindAHangingLookup) {
  const int port = StartAnsweringServer();
  HttpClient client(ioc_.get_executor(), {.connect_timeout = 200ms});
  const auto start = Clock::now();
  SendOnce(client, Endpoint("b" + std::string(kSlowDomain), 80), 10s);
  const HttpAttempt a = SendOnce(client, Endpoint("127.0.0.1", port), 5s);
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_EQ(a.failed_at, HttpAttempt::Stage::kNone) << a.error.message();
  EXPECT_EQ(a.response.body(), "ok");
}

}  // namespace
}  // namespace ocr
