// The gateway's client of the model service: KServe V2 over pooled keep-alive
// HTTP connections, endpoints used round-robin, bounded retries with backoff
// and jitter where safe (RetryPolicy), the request id passed along.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "gateway/retry_policy.h"
#include "gateway/upstream_metrics.h"

namespace ocr {

struct ModelClientOptions {
  std::vector<HttpEndpoint> endpoints;
  std::string model_name = "ocr-model";
  RetryPolicy retry;
  HttpClientOptions http;
};

// What the model answered (any status).
struct ModelReply {
  int status = 0;
  std::string body;
  std::string retry_after;
};

class ModelClient {
 public:
  // `metrics` is not owned and must outlive the client.
  ModelClient(net::any_io_executor executor, ModelClientOptions options,
              UpstreamMetrics* metrics);

  // POST /v2/models/<model>/infer with `body`. Returns the model's reply
  // (including 4xx and final 5xx), or kUnavailable when no endpoint could be
  // reached or all answered 503 within the retries, or kDeadlineExceeded.
  net::awaitable<StatusOr<ModelReply>> Infer(std::string body,
                                             const std::string& request_id,
                                             Clock::time_point deadline);
  // GET <path> on the model service, same policy.
  net::awaitable<StatusOr<ModelReply>> Get(const std::string& path,
                                           const std::string& request_id,
                                           Clock::time_point deadline);

  const std::string& model_name() const { return options_.model_name; }

 private:
  // Parameters by value: they live in the coroutine frame, and every attempt
  // sends a view of `body` (HttpClient never copies it).
  net::awaitable<StatusOr<ModelReply>> Call(http::verb method,
                                            std::string target,
                                            std::string body,
                                            std::string request_id,
                                            Clock::time_point deadline);
  // The endpoint of attempt `attempt` of the request numbered `first`.
  const HttpEndpoint& EndpointFor(size_t first, int attempt) const;

  ModelClientOptions options_;
  UpstreamMetrics* metrics_;
  HttpClient http_;
  std::atomic<uint64_t> next_{0};
  std::mutex rng_mu_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace ocr
