// The model service under load: health and /metrics stay responsive while
// every engine is busy, load is shed with 503 + Retry-After when the queue is
// full, late requests get 504, and concurrent clients all get their text.
#include <atomic>
#include <future>
#include <thread>

#include "model_server_fixture.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;

TEST(ModelServerLoadTest, HealthAndMetricsAnswerWhileEveryEngineIsBusy) {
  ModelServerOptions options;
  options.engines = 1;
  auto server = StartModelServer(options);
  const int port = server->http_port();
  const std::string body = V2Request({Image("pyt-test.png")});

  std::atomic<int> inference_done{0};
  std::vector<std::future<int>> inferences;
  constexpr int kRequests = 6;
  for (int i = 0; i < kRequests; ++i) {
    inferences.push_back(std::async(std::launch::async, [&] {
      const int status = HttpPost(port, kInfer, body).status;
      ++inference_done;
      return status;
    }));
  }
  // Wait until the engine is busy and images are queued behind it.
  bool saturated = false;
  for (int i = 0; i < 200 && !saturated; ++i) {
    const std::string m = HttpGet(port, "/metrics").body;
    saturated = m.find("ocr_engines_busy 1") != std::string::npos &&
                m.find("ocr_queue_depth 0") == std::string::npos;
    if (!saturated) std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(saturated) << "never saw a busy engine with a queue";

  // Probes answer while OCR is running: all of them finish before the
  // queued inferences do (OCR never blocks the I/O threads).
  int probes = 0;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(HttpGet(port, "/v2/health/ready").status, 200);
    EXPECT_EQ(HttpGet(port, "/v2/health/live").status, 200);
    EXPECT_EQ(HttpGet(port, "/metrics").status, 200);
    probes += 3;
  }
  EXPECT_LT(inference_done.load(), kRequests)
      << "every inference finished before " << probes << " probes did";
  for (auto& f : inferences) EXPECT_EQ(f.get(), 200);
}

// --max-queue bounds waiting pages: a batch larger than the limit is served
// when alone; a request beyond the waiting limit gets 503 with advice
// to retry; one over --max-images-per-request gets 413, which no retry cures.
TEST(ModelServerLoadTest, FullQueueShedsLoadWith503AndRetryAfter) {
  ModelServerOptions options;
  options.engines = 1;
  options.max_queue = 1;
  options.max_images_per_request = 4;
  auto server = StartModelServer(options);
  const int port = server->http_port();
  const std::string simple = Image("tjs-simple.png");
  auto batch = HttpPost(port, kInfer, V2Request({simple, simple, simple}));
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(V2Text(batch, 2), CliText("tjs-simple.png"));

  auto too_many = HttpPost(port, kInfer,
                           V2Request({simple, simple, simple, simple, simple}));
  ExpectError(too_many, 413, "at most 4");

  // One request runs, one waits: the next is refused.
  const std::string page = V2Request({Image("pyt-test.png")});
  auto metric = [&](const std::string& series) {
    return MetricValue(HttpGet(port, "/metrics").body, series);
  };
  auto running = std::async(std::launch::async,
                            [&] { return HttpPost(port, kInfer, page); });
  while (metric("ocr_engines_busy") < 1) std::this_thread::sleep_for(2ms);
  auto waiting = std::async(std::launch::async,
                            [&] { return HttpPost(port, kInfer, page); });
  while (metric("ocr_queue_depth") < 1) std::this_thread::sleep_for(2ms);
  auto r = HttpPost(port, kInfer, page);
  ExpectError(r, 503, "retry later");
  EXPECT_EQ(r.Header("retry-after"), "1");
  const std::string m = HttpGet(port, "/metrics").body;
  EXPECT_NE(m.find("request_errors_total{model_name=\"ocr-model\",reason="
                   "\"unavailable\"} 1"),
            std::string::npos);
  // Nothing was lost: both admitted requests are answered.
  EXPECT_EQ(running.get().status, 200);
  EXPECT_EQ(waiting.get().status, 200);
}

// Fourteen pages at once to a fresh server (no page time measured yet, so
// all are admitted), each allowed 1.5 s on one engine: the first ones make
// it; the ones that cannot are refused (503) as soon as the first pages show
// how long a page takes, or get 504 when their deadline passes while queued.
TEST(ModelServerLoadTest, RequestsPastTheirDeadlineWhileQueuedGet503Or504) {
  ModelServerOptions options;
  options.engines = 1;
  auto server = StartModelServer(options);
  const int port = server->http_port();
  // Pages of ~150 ms each: the first ones make it even on a machine ten
  // times slower; the last ones cannot (they would need over 2 s).
  constexpr int kRequests = 14;
  std::string body = V2Request({Image("pyt-test.png")});
  body.insert(1, "\"parameters\":{\"timeout\":1500000},");
  std::vector<std::future<HttpResult>> results;
  for (int i = 0; i < kRequests; ++i) {
    results.push_back(std::async(std::launch::async,
                                 [&] { return HttpPost(port, kInfer, body); }));
  }
  int ok = 0, shed = 0, timed_out = 0;
  for (auto& f : results) {
    HttpResult r = f.get();
    if (r.status == 200) ++ok;
    if (r.status == 503) {
      ++shed;
      ExpectError(r, 503, "cannot be done before its deadline");
    }
    if (r.status == 504) {
      ++timed_out;
      ExpectError(r, 504, "deadline of 1500 ms");
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(shed + timed_out, 1);
  EXPECT_EQ(ok + shed + timed_out, kRequests);
  // Work that cannot make it is dropped, not run: the engine is soon free.
  EXPECT_EQ(HttpPost(port, kInfer, V2Request({Image("tjs-simple.png")})).status,
            200);
}

TEST(ModelServerLoadTest, ConcurrentClientsGetTheirOwnText) {
  auto server = StartModelServer();
  const int port = server->http_port();
  const std::vector<std::string> names = {"tjs-simple.png",
                                          "gos-001-helloworld.png",
                                          "pyt-test.png", "tjs-simple.gif"};
  std::vector<std::string> expected;
  for (const auto& n : names) expected.push_back(CliText(n));
  std::vector<std::future<void>> clients;
  for (int c = 0; c < 8; ++c) {
    clients.push_back(std::async(std::launch::async, [&, c] {
      for (int i = 0; i < 3; ++i) {
        const size_t k = static_cast<size_t>(c + i) % names.size();
        auto r = HttpPost(port, kInfer, V2Request({Image(names[k])}));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(V2Text(r), expected[k]);
      }
    }));
  }
  for (auto& f : clients) f.get();
}

}  // namespace
}  // namespace ocr::testing
