// Tearing a Gateway down in every state it can be in: never started, with
// pooled connections to the model, with an upload waiting on the model, and
// after a shutdown whose grace ran out. The HTTP server holds references to
// the router and metrics, the routes to the client: members must go in an
// order where nothing is used after it is destroyed. Meant to run under
// AddressSanitizer as well (-fsanitize=address), which reports any such use.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "gateway/gateway.h"
#include "support/fake_model.h"
#include "support/http_test_client.h"

namespace ocr {
namespace {

using namespace std::chrono_literals;
using testing::FakeModel;

GatewayOptions Options(int model_port) {
  GatewayOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.model_urls = "http://127.0.0.1:" + std::to_string(model_port);
  options.log_level = "error";
  options.shutdown_grace_seconds = 0.2;
  options.retries = 0;
  return options;
}

testing::HttpResult Upload(int port) {
  const std::string boundary = "lifecycle-boundary";
  const std::string body =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"image_file\"; "
      "filename=\"a.png\"\r\n\r\n\x89PNG\r\n\x1a\nrest\r\n--" +
      boundary + "--\r\n";
  return testing::HttpCall(
      port, "POST", "/gateway/ocr", body,
      {{"Content-Type", "multipart/form-data; boundary=" + boundary}}, 10s);
}

// An upload that the model holds: returns once the model has the request.
std::future<testing::HttpResult> UploadHeldByTheModel(int port,
                                                      const FakeModel& model) {
  auto upload = std::async(std::launch::async, [port] { return Upload(port); });
  for (int i = 0; i < 500 && model.requests() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(model.requests(), 1);
  return upload;
}

TEST(GatewayLifecycleTest, DestroyedWithoutStarting) {
  FakeModel model(/*hold=*/false);
  Gateway gateway(Options(model.port()));
}

TEST(GatewayLifecycleTest, DestroyedWithPooledConnections) {
  FakeModel model(/*hold=*/false);
  auto gateway = std::make_unique<Gateway>(Options(model.port()));
  ASSERT_TRUE(gateway->Start().ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Upload(gateway->port()).status, 200);
  }
  // Keep-alive client connection to the gateway, pooled one to the model.
  EXPECT_EQ(testing::HttpGet(gateway->port(), "/metrics").status, 200);
  gateway.reset();
}

TEST(GatewayLifecycleTest, DestroyedWhileAnUploadWaitsOnTheModel) {
  FakeModel model(/*hold=*/true);
  auto gateway = std::make_unique<Gateway>(Options(model.port()));
  ASSERT_TRUE(gateway->Start().ok());
  auto upload = UploadHeldByTheModel(gateway->port(), model);
  const auto start = Clock::now();
  gateway.reset();
  EXPECT_LT(Clock::now() - start, 2s) << "destruction waited for the model";
  // The client sees its connection go, and no answer.
  EXPECT_EQ(upload.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(upload.get().status, 0);
}

TEST(GatewayLifecycleTest, DestroyedAfterAShutdownWhoseGraceRanOut) {
  FakeModel model(/*hold=*/true);
  auto gateway = std::make_unique<Gateway>(Options(model.port()));
  ASSERT_TRUE(gateway->Start().ok());
  auto upload = UploadHeldByTheModel(gateway->port(), model);
  EXPECT_FALSE(gateway->Shutdown()) << "the upload cannot finish in 0.2 s";
  gateway.reset();
  EXPECT_EQ(upload.wait_for(5s), std::future_status::ready);
}

TEST(GatewayLifecycleTest, DestroyedAfterACleanShutdown) {
  FakeModel model(/*hold=*/false);
  auto gateway = std::make_unique<Gateway>(Options(model.port()));
  ASSERT_TRUE(gateway->Start().ok());
  EXPECT_EQ(Upload(gateway->port()).status, 200);
  EXPECT_TRUE(gateway->Shutdown());
  gateway.reset();
}

}  // namespace
}  // namespace ocr
