// The webhook sender against real receivers on loopback
// (gateway/jobs/webhook_sender.h): retries keep the webhook-id and sign each
// attempt; attempts stop at the limit; a name that resolves to a refused
// address is never connected to.
//
// Name lookups without DNS: this binary defines getaddrinfo itself (the
// executable comes first in symbol lookup). Names under .rebind.test get the
// addresses listed in kFakeNames, as an attacker's DNS would answer; other
// names go to the C library.
#include "gateway/jobs/webhook_sender.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include "gateway/jobs/webhook.h"
#include "support/closed_port.h"

namespace {

const std::map<std::string_view, std::vector<const char*>> kFakeNames = {
    {"hooks.rebind.test", {"127.0.0.1"}},
    {"mixed.rebind.test", {"93.184.216.34", "127.0.0.1"}},
    {"v6first.rebind.test", {"::1", "127.0.0.1"}},
};

// One addrinfo and its sockaddr in a single block, as glibc allocates them,
// so the C library's freeaddrinfo frees it.
addrinfo* FakeEntry(const char* text, int port) {
  const bool v6 = std::strchr(text, ':') != nullptr;
  auto* block = static_cast<char*>(
      std::calloc(1, sizeof(addrinfo) + sizeof(sockaddr_in6)));
  auto* ai = reinterpret_cast<addrinfo*>(block);
  ai->ai_socktype = SOCK_STREAM;
  ai->ai_protocol = IPPROTO_TCP;
  ai->ai_addr = reinterpret_cast<sockaddr*>(block + sizeof(addrinfo));
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, text, &sa->sin6_addr);
    ai->ai_family = AF_INET6;
    ai->ai_addrlen = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, text, &sa->sin_addr);
    ai->ai_family = AF_INET;
    ai->ai_addrlen = sizeof(sockaddr_in);
  }
  return ai;
}

}  // namespace

extern "C" int getaddrinfo(const char* name, const char* service,
                           const addrinfo* hints, addrinfo** result) {
  if (name != nullptr && std::string_view(name).ends_with(".rebind.test")) {
    const auto it = kFakeNames.find(name);
    if (it == kFakeNames.end()) return EAI_NONAME;
    const int port = service != nullptr ? std::atoi(service) : 0;
    addrinfo** tail = result;
    for (const char* text : it->second) {
      *tail = FakeEntry(text, port);
      tail = &(*tail)->ai_next;
    }
    return 0;
  }
  using Fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static const auto real =
      reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(name, service, hints, result);
}

namespace ocr::jobs {
namespace {

using namespace std::chrono_literals;
using tcp = net::ip::tcp;

// What a receiver saw of one request.
struct Received {
  std::string target, host, content_type, id, timestamp, signature, body;
};

// A receiver on 127.0.0.1: answers the n-th request with statuses[n] (the
// last one repeats) and `body`; a status of 0 reads the request and never
// answers.
class Receiver {
 public:
  Receiver(net::io_context& ioc, std::vector<int> statuses,
           std::string body = "{}")
      : acceptor_(ioc), statuses_(std::move(statuses)), body_(std::move(body)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    net::co_spawn(ioc, Accept(), [](std::exception_ptr) {});
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<Received>& received() const { return received_; }

 private:
  net::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      net::co_spawn(acceptor_.get_executor(), Serve(std::move(socket)),
                    [](std::exception_ptr) {});
    }
  }
  net::awaitable<void> Serve(tcp::socket socket) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    Request request;
    co_await http::async_read(socket, buffer, request,
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    received_.push_back(
        {std::string(request.target()), std::string(request[http::field::host]),
         std::string(request[http::field::content_type]),
         std::string(request["webhook-id"]),
         std::string(request["webhook-timestamp"]),
         std::string(request["webhook-signature"]), request.body()});
    const int status =
        statuses_[std::min(received_.size(), statuses_.size()) - 1];
    if (status == 0) {  // hold the connection open, silent
      net::steady_timer wait(socket.get_executor(), 1h);
      co_await wait.async_wait(net::redirect_error(net::use_awaitable, ec));
      co_return;
    }
    Response response{static_cast<http::status>(status), 11};
    if (status != 204) response.body() = body_;  // 204 has no body
    response.prepare_payload();
    co_await http::async_write(socket, response,
                               net::redirect_error(net::use_awaitable, ec));
  }

  tcp::acceptor acceptor_;
  std::vector<int> statuses_;
  const std::string body_;
  std::vector<Received> received_;
};

class WebhookSenderTest : public ::testing::Test {
 protected:
  const std::string key_ = std::string(32, 's');
  const std::string body_ = R"({"job_id":"j","state":"succeeded"})";

  // Delivers `url` with `allow` and `options`, on this single thread.
  WebhookOutcome Deliver(std::string_view allow, const std::string& url,
                         WebhookDeliveryOptions options) {
    auto policy = CallbackPolicy::Parse(allow);
    EXPECT_TRUE(policy.ok());
    WebhookSender sender(ioc_.get_executor(), *policy, key_, options);
    WebhookOutcome outcome;
    net::co_spawn(
        ioc_,
        [&]() -> net::awaitable<void> {
          // Named: GCC 12 may destroy temporaries of a co_await twice.
          WebhookMessage message{"msg_test1", url, body_};
          WebhookAttemptCallback record =
              [this](const WebhookAttemptReport& r) { reports_.push_back(r); };
          outcome =
              co_await sender.Deliver(std::move(message), std::move(record));
        },
        [this](std::exception_ptr) { ioc_.stop(); });
    ioc_.run();
    return outcome;
  }

  static WebhookDeliveryOptions Fast(int attempts) {
    WebhookDeliveryOptions options;
    options.max_attempts = attempts;
    options.base_delay = 20ms;
    options.attempt_timeout = 2s;
    return options;
  }

  void ExpectSigned(const Received& r) {
    EXPECT_EQ(r.id, "msg_test1");
    EXPECT_EQ(r.body, body_);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_TRUE(VerifyWebhook(key_, r.id, r.timestamp, r.signature, r.body,
                              std::chrono::system_clock::now())
                    .ok())
        << r.signature;
  }

  net::io_context ioc_;
  std::vector<WebhookAttemptReport> reports_;
};

TEST_F(WebhookSenderTest, RetriesAfterTwo500sWithTheSameIdAndValidSignatures) {
  Receiver receiver(ioc_, {500, 500, 200});
  const std::string url =
      "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook?x=1";
  const WebhookOutcome outcome = Deliver("http://127.0.0.1:*", url, Fast(6));
  EXPECT_TRUE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 3);
  ASSERT_EQ(receiver.received().size(), 3u);
  for (const Received& r : receiver.received()) {
    ExpectSigned(r);
    EXPECT_EQ(r.target, "/hook?x=1");
    EXPECT_EQ(r.host, "127.0.0.1:" + std::to_string(receiver.port()));
  }
  ASSERT_EQ(reports_.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reports_[i].attempt, i + 1);
    EXPECT_EQ(reports_[i].http_status, i < 2 ? 500 : 200);
    EXPECT_EQ(reports_[i].delivered, i == 2);
    EXPECT_EQ(reports_[i].last, i == 2);
  }
  EXPECT_EQ(reports_[0].detail, "HTTP 500");
}

// The status decides: a 2xx whose body is over the sender's response limit
// is delivered (the body is not read), once.
TEST_F(WebhookSenderTest, A2xxWithALongBodyIsDelivered) {
  Receiver receiver(ioc_, {200}, std::string(256 << 10, 'x'));
  const WebhookOutcome outcome = Deliver(
      "http://127.0.0.1:*",
      "http://127.0.0.1:" + std::to_string(receiver.port()) + "/", Fast(3));
  EXPECT_TRUE(outcome.delivered) << outcome.detail;
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(receiver.received().size(), 1u);
}

TEST_F(WebhookSenderTest, AReceiverThatNeverAnswersGetsTheAttemptLimit) {
  Receiver receiver(ioc_, {0});
  WebhookDeliveryOptions options = Fast(3);
  options.attempt_timeout = 300ms;
  const auto start = Clock::now();
  const WebhookOutcome outcome = Deliver(
      "http://127.0.0.1:*",
      "http://127.0.0.1:" + std::to_string(receiver.port()) + "/", options);
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(outcome.detail, "timed out");
  ASSERT_EQ(receiver.received().size(), 3u);
  for (const Received& r : receiver.received()) ExpectSigned(r);
  ASSERT_EQ(reports_.size(), 3u);
  EXPECT_TRUE(reports_[2].last);
  EXPECT_FALSE(reports_[1].last);
  EXPECT_EQ(reports_[2].http_status, 0);
  // Three timeouts and two backoffs of 10-20 ms and 20-40 ms.
  EXPECT_GE(Clock::now() - start, 900ms + 30ms);
}

TEST_F(WebhookSenderTest, ARefusedConnectionIsRetriedToo) {
  const int port = ocr::testing::ClosedPort();
  const WebhookOutcome outcome =
      Deliver("http://127.0.0.1:*",
              "http://127.0.0.1:" + std::to_string(port) + "/", Fast(2));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_NE(outcome.detail.find("connect"), std::string::npos)
      << outcome.detail;
}

TEST_F(WebhookSenderTest, ANameResolvingToLoopbackIsNeverConnectedTo) {
  Receiver receiver(ioc_, {200});
  // The default policy: the name looks public, so submission accepts it.
  const std::string url =
      "http://hooks.rebind.test:" + std::to_string(receiver.port()) + "/";
  ASSERT_TRUE(CallbackPolicy().Check(url).ok());
  const WebhookOutcome outcome = Deliver("", url, Fast(6));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 1);  // a policy refusal is final
  EXPECT_NE(outcome.detail.find("resolves to 127.0.0.1"), std::string::npos)
      << outcome.detail;
  EXPECT_TRUE(receiver.received().empty());
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_TRUE(reports_[0].last);
}

TEST_F(WebhookSenderTest, OneRefusedAddressAmongPublicOnesRefusesTheName) {
  Receiver receiver(ioc_, {200});
  const WebhookOutcome outcome = Deliver(
      "*", "http://mixed.rebind.test:" + std::to_string(receiver.port()) + "/",
      Fast(6));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_NE(outcome.detail.find("resolves to 127.0.0.1"), std::string::npos);
  EXPECT_TRUE(receiver.received().empty());
}

TEST_F(WebhookSenderTest, ANamedHostGoesToTheCheckedAddressWithItsHostHeader) {
  Receiver receiver(ioc_, {200});
  const std::string port = std::to_string(receiver.port());
  // ::1 first: nothing listens there, so the sender moves to 127.0.0.1.
  const WebhookOutcome outcome =
      Deliver("http://v6first.rebind.test:*",
              "http://v6first.rebind.test:" + port + "/cb", Fast(1));
  EXPECT_TRUE(outcome.delivered) << outcome.detail;
  ASSERT_EQ(receiver.received().size(), 1u);
  EXPECT_EQ(receiver.received()[0].host, "v6first.rebind.test:" + port);
  ExpectSigned(receiver.received()[0]);
}

TEST_F(WebhookSenderTest, AnUnknownNameIsRetried) {
  const WebhookOutcome outcome =
      Deliver("", "http://unknown.rebind.test/", Fast(2));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_NE(outcome.detail.find("name lookup failed"), std::string::npos);
}

TEST_F(WebhookSenderTest, AUrlThePolicyRefusesEndsAtOnce) {
  const WebhookOutcome outcome =
      Deliver("", "https://hooks.example.com/", Fast(6));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_NE(outcome.detail.find("https"), std::string::npos);
}

TEST_F(WebhookSenderTest, StartRunsOnItsOwnStrandAndOutlivesTheSender) {
  Receiver receiver(ioc_, {503, 204});
  std::optional<WebhookOutcome> done;
  {
    WebhookSender sender(ioc_.get_executor(),
                         *CallbackPolicy::Parse("http://127.0.0.1:*"), key_,
                         Fast(3));
    sender.Start({"msg_test1",
                  "http://127.0.0.1:" + std::to_string(receiver.port()), body_},
                 {}, [&](const WebhookOutcome& o) {
                   done = o;
                   ioc_.stop();
                 });
  }
  ioc_.run_for(10s);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->delivered);
  EXPECT_EQ(done->attempts, 2);
  EXPECT_EQ(receiver.received().size(), 2u);
}

TEST(WebhookBackoffTest, ExponentialWithJitterInTheUpperHalf) {
  WebhookDeliveryOptions options;
  options.base_delay = 1000ms;
  options.max_delay = 10000ms;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    for (int retry = 1; retry <= 8; ++retry) {
      const int64_t full = std::min<int64_t>(10000, 1000LL << (retry - 1));
      const auto d = WebhookBackoff(options, retry, rng).count();
      EXPECT_GE(d, full - full / 2) << retry;
      EXPECT_LE(d, full) << retry;
    }
  }
  EXPECT_LE(WebhookBackoff(options, 1000000, rng).count(), 10000);
}

}  // namespace
}  // namespace ocr::jobs
