// The REST front end over the core's exception barrier, on a real HTTP
// server: an encoder that throws on an engine's thread still answers the
// request, 500 with a JSON error, and leaves nothing in flight (a drain
// does not wait its grace).
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/http_router.h"
#include "common/http_service.h"
#include "common/metrics.h"
#include "fake_recognizer.h"
#include "model_server/frontend/inference_pipeline.h"
#include "support/http_test_client.h"

namespace ocr {
namespace {

TEST(RestCallBarrierTest, AThrowingEncoderAnswers500AndDrains) {
  prometheus::Registry registry;
  ErrorCounter errors(registry, "ocr-model");
  CoreMetrics metrics(registry, &errors);
  HttpService service(2);
  auto fake = std::make_unique<FakeRecognizer>();
  fake->threaded = true;  // the encoder runs on an "engine" thread
  FakeRecognizer* recognizer = fake.get();
  InferenceCore core(CoreOptions{}, std::move(fake), &metrics,
                     service.io_context().get_executor());
  ASSERT_TRUE(core.Start().ok());

  Router router;
  router.Add(
      http::verb::post, "/v2/models/{model}/infer",
      [&core](RequestContext& ctx) {
        return RunInference(
            ctx, core, "",
            [](RequestContext& c) -> StatusOr<InferRequest> {
              InferRequest request;
              request.images.push_back(ShareFile(c.request.body()));
              return request;
            },
            [](const InferResponse&) -> RestAnswer {
              throw std::runtime_error("encoder broke");
            });
      },
      RouteOptions{.inference = true});
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  ASSERT_TRUE(service.Start(options, router, nullptr).ok());

  const testing::HttpResult r =
      testing::HttpPost(service.port(), "/v2/models/ocr-model/infer", "page");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(r.body,
            "{\"error\":\"encoding the response failed: encoder broke\"}");
  EXPECT_EQ(r.Header("content-type"), "application/json");
  // Nothing left in flight: the drain ends at once, not at its grace.
  const auto start = Clock::now();
  EXPECT_TRUE(service.Drain(std::chrono::seconds(10)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  service.Stop();
  recognizer->Stop();
}

}  // namespace
}  // namespace ocr
