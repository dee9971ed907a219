// When the gateway retries, and how long it waits: pure decisions.
#include "gateway/retry_policy.h"

#include <gtest/gtest.h>

#include "gateway/gateway_options.h"

namespace ocr {
namespace {

HttpAttempt Answered(http::status status) {
  HttpAttempt a;
  a.response.result(status);
  return a;
}

HttpAttempt Failed(HttpAttempt::Stage stage, bool timed_out = false) {
  HttpAttempt a;
  a.failed_at = stage;
  a.timed_out = timed_out;
  a.error = boost::asio::error::connection_refused;
  return a;
}

TEST(RetryPolicyTest, ClassifiesAttempts) {
  EXPECT_EQ(ClassifyAttempt(Answered(http::status::ok)), AttemptOutcome::kOk);
  EXPECT_EQ(ClassifyAttempt(Answered(http::status::bad_request)),
            AttemptOutcome::kOk);
  EXPECT_EQ(ClassifyAttempt(Answered(http::status::internal_server_error)),
            AttemptOutcome::kOk);
  EXPECT_EQ(ClassifyAttempt(Answered(http::status::service_unavailable)),
            AttemptOutcome::kUnavailable);
  EXPECT_EQ(ClassifyAttempt(Failed(HttpAttempt::Stage::kConnect)),
            AttemptOutcome::kRefused);
  EXPECT_EQ(ClassifyAttempt(Failed(HttpAttempt::Stage::kReceive)),
            AttemptOutcome::kReset);
  EXPECT_EQ(ClassifyAttempt(Failed(HttpAttempt::Stage::kSend)),
            AttemptOutcome::kReset);
  EXPECT_EQ(ClassifyAttempt(Failed(HttpAttempt::Stage::kReceive, true)),
            AttemptOutcome::kTimeout);
  // An answer over the response limit is no broken connection: final.
  HttpAttempt too_large = Failed(HttpAttempt::Stage::kReceive);
  too_large.error = http::error::body_limit;
  EXPECT_EQ(ClassifyAttempt(too_large), AttemptOutcome::kTooLarge);
  EXPECT_EQ(OutcomeName(AttemptOutcome::kTooLarge), "too_large");
}

TEST(RetryPolicyTest, RetriesOnlyWhereSafeAndBounded) {
  RetryPolicy policy;
  policy.max_retries = 2;
  for (auto outcome : {AttemptOutcome::kRefused, AttemptOutcome::kReset,
                       AttemptOutcome::kUnavailable}) {
    EXPECT_TRUE(policy.ShouldRetry(outcome, 0)) << OutcomeName(outcome);
    EXPECT_TRUE(policy.ShouldRetry(outcome, 1));
    EXPECT_FALSE(policy.ShouldRetry(outcome, 2)) << "bounded";
  }
  // A final answer (2xx, 4xx, 500) and a timeout are never retried.
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kOk, 0));
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kTimeout, 0));
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kTooLarge, 0));
  policy.max_retries = 0;
  EXPECT_FALSE(policy.ShouldRetry(AttemptOutcome::kRefused, 0));
}

TEST(RetryPolicyTest, BackoffGrowsWithFullJitterUpToTheCap) {
  RetryPolicy policy;
  policy.base_backoff = std::chrono::milliseconds(50);
  policy.max_backoff = std::chrono::milliseconds(300);
  std::mt19937 rng(7);
  for (int retry = 1; retry <= 6; ++retry) {
    const int64_t cap = std::min<int64_t>(300, 50ll << (retry - 1));
    int64_t largest = 0, smallest = cap;
    for (int i = 0; i < 500; ++i) {
      const auto d = policy.Backoff(retry, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, cap);
      largest = std::max(largest, d);
      smallest = std::min(smallest, d);
    }
    EXPECT_GT(largest, cap * 3 / 4) << "jitter spans the range";
    EXPECT_LT(smallest, cap / 4) << "jitter spans the range";
  }
}

TEST(GatewayOptionsTest, ModelUrlsFromRepeatedFlagsOrOneList) {
  GatewayOptions options;
  FlagSet flags("ocr-gateway", "test");
  options.RegisterFlags(flags);
  const char* argv[] = {"ocr-gateway", "--model-url=http://a:8080",
                        "--model-url", "http://b:9090/"};
  bool help = false;
  ASSERT_TRUE(flags.Parse(4, argv, &help).ok());
  EXPECT_EQ(options.ModelUrlList(),
            (std::vector<std::string>{"http://a:8080", "http://b:9090/"}));
  EXPECT_TRUE(options.Validate().ok());

  options.model_urls = "http://a:1, http://b:2";
  EXPECT_EQ(options.ModelUrlList().size(), 2u);
  options.model_urls = "https://secure:443";
  EXPECT_FALSE(options.Validate().ok());
  options.model_urls = "http://host:99999";
  EXPECT_FALSE(options.Validate().ok());
}

TEST(GatewayOptionsTest, UpstreamProtocolAndItsUrls) {
  GatewayOptions options;
  EXPECT_EQ(options.upstream_protocol, "v2-json");
  options.upstream_protocol = "v2-binary";
  EXPECT_TRUE(options.Validate().ok());
  options.upstream_protocol = "grpc";
  EXPECT_FALSE(options.Validate().ok()) << "http:// URLs with grpc";
  options.model_urls = "grpc://a:8081,grpc://b";
  ASSERT_TRUE(options.Validate().ok());
  auto endpoints = options.ModelEndpoints();
  ASSERT_TRUE(endpoints.ok());
  ASSERT_EQ(endpoints->size(), 2u);
  EXPECT_EQ((*endpoints)[1].port, "8081");
  EXPECT_EQ((*endpoints)[1].url, "grpc://b");
  options.upstream_protocol = "v2-json";
  EXPECT_FALSE(options.Validate().ok()) << "grpc:// URLs without grpc";
  options.upstream_protocol = "grpc";
  options.model_urls = "grpc://a,http://b:8080";
  EXPECT_FALSE(options.Validate().ok()) << "mixed";
  options.upstream_protocol = "rest";
  options.model_urls = "http://a";
  EXPECT_FALSE(options.Validate().ok());
}

TEST(HttpUrlTest, ParsesHostAndPort) {
  auto ep = ParseHttpUrl("http://ocr-model-server:8080");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "ocr-model-server");
  EXPECT_EQ(ep->port, "8080");
  ep = ParseHttpUrl("http://[::1]:81/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, "81");
  EXPECT_EQ(ParseHttpUrl("http://example")->port, "80");
  EXPECT_FALSE(ParseHttpUrl("http://h:8080/v2").ok());
  EXPECT_FALSE(ParseHttpUrl("ftp://h").ok());
  EXPECT_FALSE(ParseHttpUrl("http://user@h:1").ok());
  EXPECT_FALSE(ParseHttpUrl("http://:80").ok());
}

}  // namespace
}  // namespace ocr
