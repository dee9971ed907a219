// The gateway when the model misbehaves: stopped mid-run and back, too
// slow, several endpoints with one down or not answering the handshake, busy
// (503) once, restarted behind a pooled connection; and its own graceful
// shutdown. Every retried request
// must still carry the whole body: the OCR text or the recorded bodies show.
#include <signal.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <future>
#include <mutex>

#include "common/base64.h"
#include "stack_fixture.h"
#include "support/fake_model.h"
#include "support/unanswered_port.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A fault we inject: a "model" that accepts connections and never answers.
class SilentUpstream {
 public:
  SilentUpstream()
      : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      while (!stop_) {
        boost::system::error_code ec;
        boost::asio::ip::tcp::socket socket(ioc_);
        acceptor_.accept(socket, ec);
        if (!ec) held_.push_back(std::move(socket));
      }
    });
  }
  ~SilentUpstream() {
    stop_ = true;
    boost::system::error_code ec;
    // Wake the blocking accept.
    boost::asio::ip::tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<boost::asio::ip::tcp::socket> held_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A fault we inject: a "model" that answers its first `unavailable` infer
// requests 503 and the rest with a fixed V2 reply, and keeps every infer body
// it received. One connection at a time, keep-alive.
class FlakyUpstream {
 public:
  static constexpr std::string_view kText = "retried fine";

  explicit FlakyUpstream(int unavailable)
      : unavailable_(unavailable),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FlakyUpstream() {
    stop_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  void Serve() {
    namespace http = boost::beast::http;
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      boost::beast::flat_buffer buffer;
      while (!ec && !stop_) {
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) break;
        size_t n = 0;
        if (req.target().ends_with("/infer")) {
          std::lock_guard lock(mu_);
          bodies_.push_back(req.body());
          n = bodies_.size();
        }
        http::response<http::string_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/json");
        if (n != 0 && n <= static_cast<size_t>(unavailable_)) {
          res.result(http::status::service_unavailable);
          res.body() = R"({"error":"all engines are busy"})";
        } else {
          res.body() = FakeV2Answer(kText);
        }
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(socket, res, ec);
        if (!req.keep_alive()) break;
      }
    }
  }

  const int unavailable_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(GatewayResilienceTest, ModelStoppedMidRunThen503ThenRecovery) {
  auto model = StartModel({"--engines=1"});
  const int model_port = model->port();
  auto gateway = StartGateway({model_port});
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  ASSERT_EQ(Upload(gateway->port(), png).status, 200);

  model.reset();  // SIGKILL: connections refused from now on
  const auto start = Clock::now();
  auto r = Upload(gateway->port(), png);
  EXPECT_LT(SecondsSince(start), 5.0) << "503 should come quickly";
  ExpectDetail(r, 503, "model service unavailable");
  EXPECT_EQ(r.Header("retry-after"), "1");
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 2);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"refused\"}"),
            1);
  // The gateway itself stays ready: readiness does not follow the model.
  EXPECT_EQ(HttpGet(gateway->port(), "/readyz").status, 200);

  // The model comes back on the same address; the gateway was not restarted.
  model = StartModel({"--engines=1"}, model_port);
  r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(NormalizeSpace(r.body), "Tesseract.js");
}

TEST(GatewayResilienceTest, SlowModelGets504AtTheDeadline) {
  SilentUpstream silent;
  auto gateway = StartGateway({silent.port()}, {"--timeout=1"});
  const auto start = Clock::now();
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")));
  const double elapsed = SecondsSince(start);
  ExpectDetail(r, 504, "deadline");
  EXPECT_GE(elapsed, 0.9);
  EXPECT_LT(elapsed, 5.0);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"timeout\"}"),
            1);
  EXPECT_EQ(HttpGet(gateway->port(), "/healthz").status, 200);
}

TEST(GatewayResilienceTest, RoundRobinAcrossModelsAndAroundADeadOne) {
  auto a = StartModel({"--engines=1"});
  auto b = StartModel({"--engines=1"});
  auto gateway = StartGateway({a->port(), b->port()});
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Upload(gateway->port(), png).status, 200);
  }
  EXPECT_EQ(LogLines(*a, "request").size(), 2u);
  EXPECT_EQ(LogLines(*b, "request").size(), 2u);

  b.reset();  // one endpoint dies: retries land on the other
  for (int i = 0; i < 4; ++i) {
    // A retried attempt sends the same body: the text is still right.
    auto r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(NormalizeSpace(r.body), "Tesseract.js");
  }
  EXPECT_EQ(LogLines(*a, "request").size(), 6u);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_GE(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}") +
                Metric(m, "gateway_upstream_retries_total{after=\"reset\"}"),
            1);
}

TEST(GatewayResilienceTest, ARetryAfter503SendsTheSameBody) {
  FlakyUpstream flaky(/*unavailable=*/1);
  auto gateway = StartGateway({flaky.port()});
  const std::string png = ReadFile(ImagePath("pyt-test.png"));
  auto r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, FlakyUpstream::kText);
  const auto bodies = flaky.bodies();
  ASSERT_EQ(bodies.size(), 2u);  // the 503, then the retry
  EXPECT_NE(bodies[0].find(ocr::base64::Encode(png)), std::string::npos);
  EXPECT_EQ(bodies[1], bodies[0]) << "the retry sent a different body";
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"unavailable\"}"),
            1);
}

// A model host that never completes the TCP handshake (firewalled, or its
// node gone) is unreachable, like a refused connection: the gateway tries the
// next endpoint after --connect-timeout instead of answering 504.
TEST(GatewayResilienceTest, ConnectTimeoutTriesTheNextEndpoint) {
  UnansweredPort unanswered;
  ASSERT_TRUE(unanswered.Verify()) << "loopback SYNs are not dropped here";
  FlakyUpstream working(/*unavailable=*/0);
  auto gateway = StartGateway({unanswered.port(), working.port()},
                              {"--connect-timeout=0.3"});
  const auto start = Clock::now();
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")), "",
                  {{"Accept", "text/plain"}});
  EXPECT_LT(SecondsSince(start), 3.0);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, FlakyUpstream::kText);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 1);
  EXPECT_EQ(
      Metric(m,
             "gateway_upstream_attempt_duration_seconds_count{"
             "endpoint=\"http://127.0.0.1:" +
                 std::to_string(unanswered.port()) + "\",outcome=\"refused\"}"),
      1);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"timeout\"}"),
            0);
}

TEST(GatewayResilienceTest, NoEndpointCompletingTheHandshakeGives503) {
  UnansweredPort a, b;
  ASSERT_TRUE(a.Verify() && b.Verify());
  auto gateway = StartGateway({a.port(), b.port()},
                              {"--connect-timeout=0.3", "--retries=2"});
  const auto start = Clock::now();
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")));
  const double elapsed = SecondsSince(start);
  ExpectDetail(r, 503, "model service unavailable");
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_GE(elapsed, 0.85) << "three attempts of 0.3 s each";
  EXPECT_LT(elapsed, 5.0);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 2);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"refused\"}"),
            1);
}

TEST(GatewayResilienceTest, ModelRestartedBehindAPooledConnection) {
  auto model = StartModel({"--engines=1"});
  const int model_port = model->port();
  auto gateway = StartGateway({model_port});
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  ASSERT_EQ(Upload(gateway->port(), png).status, 200);  // a pooled connection

  // The pooled connection is now dead: the client writes the same request
  // again on a fresh connection, without a model-level retry.
  model.reset();
  model = StartModel({"--engines=1"}, model_port);
  auto r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(NormalizeSpace(r.body), "Tesseract.js");
  EXPECT_EQ(LogLines(*model, "request").size(), 1u);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"reset\"}"), 0);
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 0);
}

TEST(GatewayResilienceTest, SigtermDrainsInFlightUploadsThenExitsZero) {
  auto model = StartModel({"--engines=1"});
  auto gateway = StartGateway({model->port()});
  const std::string page = ReadFile(ImagePath("pyt-test.png"));
  std::vector<std::future<HttpResult>> uploads;
  for (int i = 0; i < 3; ++i) {
    uploads.push_back(std::async(
        std::launch::async, [&] { return Upload(gateway->port(), page); }));
  }
  for (int i = 0; i < 400; ++i) {  // until all three reached the model
    const std::string m = HttpGet(model->port(), "/metrics").body;
    if (Metric(m, "ocr_engines_busy") + Metric(m, "ocr_queue_depth") >= 3)
      break;
    std::this_thread::sleep_for(5ms);
  }
  gateway->Signal(SIGTERM);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(HttpGet(gateway->port(), "/readyz").status, 503);
  for (auto& f : uploads) EXPECT_EQ(f.get().status, 200);
  EXPECT_EQ(gateway->WaitExit(10s), 0) << gateway->Log();
}

}  // namespace
}  // namespace ocr::testing
