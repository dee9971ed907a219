// The whole stack under load while a service is taken away: the model
// killed (SIGKILL) and brought back, and a rolling update of the models
// (SIGTERM, one at a time); the gateway's own SIGTERM under load is in
// gateway_resilience_test.cc. Every answer the gateway gives is checked: a
// 200 carries the right text, anything else is a prompt 503.
#include <signal.h>

#include <atomic>
#include <mutex>

#include "stack_fixture.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Outcome {
  int status = 0;
  double seconds = 0;
  Clock::time_point finished;
  bool right_text = false;
  std::string body;  // of an error
};

// `clients` threads uploading the sample in a loop until Stop().
class UploadLoad {
 public:
  UploadLoad(int gateway_port, int clients) {
    image_ = ReadFile(ImagePath("tjs-simple.png"));
    for (int i = 0; i < clients; ++i) {
      threads_.emplace_back([this, gateway_port] {
        while (!stop_) {
          const auto start = Clock::now();
          const HttpResult r =
              Upload(gateway_port, image_, "", {{"Accept", "text/plain"}});
          Outcome o{
              .status = r.status,
              .seconds =
                  std::chrono::duration<double>(Clock::now() - start).count(),
              .finished = Clock::now(),
              .right_text = NormalizeSpace(r.body) == "Tesseract.js",
              .body = r.status == 200 ? "" : r.body};
          std::lock_guard lock(mu_);
          outcomes_.push_back(o);
        }
      });
    }
  }
  ~UploadLoad() { Stop(); }
  std::vector<Outcome> Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    std::lock_guard lock(mu_);
    return outcomes_;
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return outcomes_.size();
  }
  // Waits until `n` more requests completed (at most `limit`).
  void WaitFor(size_t n, std::chrono::seconds limit = 30s) {
    const size_t target = count() + n;
    const auto until = Clock::now() + limit;
    while (count() < target && Clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
  }

 private:
  std::string image_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Outcome> outcomes_;
  std::vector<std::thread> threads_;
};

TEST(GatewayFaultsUnderLoadTest, ModelKilledThenPrompt503sThenRecovery) {
  auto model = StartModel({"--engines=2"});
  const int model_port = model->port();
  auto gateway = StartGateway({model_port});
  UploadLoad load(gateway->port(), 4);
  load.WaitFor(8);

  model.reset();  // SIGKILL, requests in flight included
  const auto killed = Clock::now();
  load.WaitFor(20);  // answered while the model is gone
  EXPECT_EQ(HttpGet(gateway->port(), "/readyz").status, 200);
  model = StartModel({"--engines=2"}, model_port);
  const auto back = Clock::now();
  load.WaitFor(12);
  const auto outcomes = load.Stop();

  int ok = 0, unavailable = 0, recovered = 0;
  for (const auto& o : outcomes) {
    if (o.status == 200) {
      ++ok;
      EXPECT_TRUE(o.right_text) << "a 200 must carry the text";
      if (o.finished > back) ++recovered;
    } else {
      EXPECT_EQ(o.status, 503) << o.body;
      ++unavailable;
      // No hang: a request the gateway cannot serve fails fast.
      if (o.finished > killed + 1s) {
        EXPECT_LT(o.seconds, 1.0);
      }
    }
  }
  EXPECT_GE(unavailable, 20);
  EXPECT_GE(ok, 8);
  EXPECT_GE(recovered, 8) << "the gateway recovers by itself";
}

// A rolling update: each model in turn gets SIGTERM (it drains, refuses new
// work with 503 and exits) and is started again, under load. The gateway
// retries on the other model: no request fails.
TEST(GatewayFaultsUnderLoadTest, RollingUpdateOfTheModelsFailsNoRequest) {
  std::vector<std::unique_ptr<ServerProcess>> models;
  models.push_back(StartModel({"--engines=1", "--shutdown-grace=20"}));
  models.push_back(StartModel({"--engines=1", "--shutdown-grace=20"}));
  const std::vector<int> ports = {models[0]->port(), models[1]->port()};
  auto gateway = StartGateway(ports);
  UploadLoad load(gateway->port(), 4);
  load.WaitFor(8);
  for (int i = 0; i < 2; ++i) {
    models[i]->Signal(SIGTERM);
    EXPECT_EQ(models[i]->WaitExit(20s), 0) << models[i]->Log();
    load.WaitFor(6);  // served by the other one alone
    models[i] = StartModel({"--engines=1", "--shutdown-grace=20"}, ports[i]);
    load.WaitFor(6);
  }
  const auto outcomes = load.Stop();
  ASSERT_GE(outcomes.size(), 32u);
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.status, 200) << o.body;
    EXPECT_TRUE(o.right_text);
  }
}

}  // namespace
}  // namespace ocr::testing
