// The gateway's client of the model service, in one of three protocols
// (--upstream-protocol): KServe V2 JSON or V2 with binary tensor data over
// pooled keep-alive HTTP connections, or V2 gRPC over one channel per
// endpoint. Whichever it is: endpoints used round-robin, bounded retries
// with backoff and jitter where safe (RetryPolicy), the request id passed
// along, and the same replies for the same answers.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "gateway/retry_policy.h"
#include "gateway/upstream_metrics.h"
#include "gateway/upstream_protocol.h"

namespace inference {
class ModelInferRequest;
}

namespace ocr {

class GrpcUpstream;

struct ModelClientOptions {
  UpstreamProtocol protocol = UpstreamProtocol::kV2Json;
  // http:// endpoints, or grpc:// ones for kGrpc.
  std::vector<HttpEndpoint> endpoints;
  std::string model_name = "ocr-model";
  RetryPolicy retry;
  HttpClientOptions http;
  // gRPC's message size limits: the largest upload and its framing, and the
  // largest answer (http.max_response_bytes).
  int64_t max_request_bytes = 33ll << 20;
};

// What the model answered (any status). For an error, `body` is the
// model's {"error": ...} (over gRPC: the status message, so rendered) and
// `status` the HTTP status (over gRPC: the code's equivalent).
struct ModelReply {
  int status = 0;
  std::string body;
  std::string retry_after;
  // A 200 in binary tensor data or gRPC, decoded; `body` is then empty.
  // Unset for a JSON answer, which is in `body`.
  std::optional<V2Answer> answer;
};

// One infer request, encoded for the client's protocol once; every attempt
// sends it as it is.
struct ModelRequest {
  std::string body;         // HTTP: the body
  size_t header_bytes = 0;  // v2-binary: the JSON header's length
  std::shared_ptr<const inference::ModelInferRequest> grpc;
};

// One attempt on one endpoint: its outcome, the reply when kOk, why not
// otherwise.
struct ModelAttempt {
  AttemptOutcome outcome = AttemptOutcome::kOk;
  ModelReply reply;
  std::string error;
};

class ModelClient {
 public:
  // `metrics` is not owned and must outlive the client.
  ModelClient(net::any_io_executor executor, ModelClientOptions options,
              UpstreamMetrics* metrics);
  ~ModelClient();

  // `input` in the client's protocol. The file is read here (copied once,
  // or base64-encoded once), never later: its buffer may go after this.
  ModelRequest Encode(const InferInput& input,
                      const std::string& request_id) const;

  // Sends `request` (POST /v2/models/<model>/infer, or ModelInfer). Returns
  // the model's reply (including 4xx and final 5xx), or kUnavailable when no
  // endpoint could be reached or all answered 503 within the retries, or
  // kDeadlineExceeded, or kBadGateway (not retried) when the answer is over
  // the response limit. `cancel` (optional) stops the call in flight from
  // any thread (the model sees its client go) and any retry.
  net::awaitable<StatusOr<ModelReply>> Infer(ModelRequest request,
                                             const std::string& request_id,
                                             Clock::time_point deadline,
                                             CallCanceller* cancel = nullptr);
  // GET <path> on the model service (over gRPC, the matching RPC answered
  // as the REST route's JSON), same policy.
  net::awaitable<StatusOr<ModelReply>> Get(const std::string& path,
                                           const std::string& request_id,
                                           Clock::time_point deadline);

  // One infer attempt on endpoint number `endpoint`, no retry (the caller
  // decides; the job runner spreads pages over endpoints itself), counted
  // in the upstream metrics like any attempt. `cancel` (optional) stops it
  // from any thread: the model sees its client go and stops too.
  net::awaitable<ModelAttempt> InferOnce(size_t endpoint,
                                         const ModelRequest& request,
                                         const std::string& request_id,
                                         Clock::time_point deadline,
                                         CallCanceller* cancel);
  // One GET <path> attempt on endpoint number `endpoint`, no retry.
  net::awaitable<ModelAttempt> GetOnce(size_t endpoint, const std::string& path,
                                       const std::string& request_id,
                                       Clock::time_point deadline);
  size_t endpoint_count() const { return options_.endpoints.size(); }
  const HttpEndpoint& endpoint(size_t i) const { return options_.endpoints[i]; }

  const std::string& model_name() const { return options_.model_name; }
  UpstreamProtocol protocol() const { return options_.protocol; }

 private:
  using Attempt = ModelAttempt;
  using AttemptFn =
      std::function<net::awaitable<Attempt>(size_t endpoint_index)>;

  // The retry loop every protocol shares.
  net::awaitable<StatusOr<ModelReply>> Retrying(
      AttemptFn attempt, std::string request_id, Clock::time_point deadline,
      CallCanceller* cancel = nullptr);
  // Why an answer over the response limit is refused (kTooLarge).
  std::string TooLargeError() const;
  net::awaitable<Attempt> HttpCall(http::verb method, const std::string& target,
                                   const ModelRequest& request,
                                   const std::string& request_id,
                                   size_t endpoint, Clock::time_point deadline,
                                   CallCanceller* cancel = nullptr);
  net::awaitable<Attempt> GrpcInfer(const ModelRequest& request,
                                    const std::string& request_id,
                                    size_t endpoint, Clock::time_point deadline,
                                    CallCanceller* cancel = nullptr);
  net::awaitable<Attempt> GrpcGet(const std::string& path,
                                  const std::string& request_id,
                                  size_t endpoint, Clock::time_point deadline);
  // The endpoint of attempt `attempt` of the request numbered `first`.
  size_t EndpointFor(size_t first, int attempt) const;

  ModelClientOptions options_;
  UpstreamMetrics* metrics_;
  HttpClient http_;
  std::unique_ptr<GrpcUpstream> grpc_;
  std::atomic<uint64_t> next_{0};
  std::mutex rng_mu_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace ocr
