// The transport half of the gateway's gRPC upstream: one grpc::Channel per
// model endpoint, made once and shared by every request, and one unary call
// per attempt on the generated stub's callback API, awaited from the
// caller's coroutine (AwaitCallback) with the request's deadline. Retries
// belong to ModelClient, as for HTTP.
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "proto/grpc_predict_v2.grpc.pb.h"

namespace ocr {

struct GrpcUpstreamOptions {
  std::chrono::milliseconds connect_timeout{2000};
  // Largest message sent (the upload and its framing) and received.
  int max_send_bytes = 33 << 20;
  int max_receive_bytes = 64 << 20;
};

// The result of one call.
struct GrpcAttempt {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  // The model server's exact error (kStatusReasonKey), when it sent one.
  std::string reason;
  // The model server's languages (ModelMetadata's initial metadata).
  std::string languages;
  std::string default_language;
  std::string engines;     // the model process's engines, as text
  bool timed_out = false;  // the deadline passed before gRPC completed
  // ModelInfer's answer when code is OK.
  std::shared_ptr<const inference::ModelInferResponse> answer;
  // Get's answer when code is OK: the JSON the REST route answers.
  std::string json;
  int http_status = 200;  // of `json`: 503 for "not ready"
};

class GrpcUpstream {
 public:
  GrpcUpstream(const std::vector<HttpEndpoint>& endpoints,
               GrpcUpstreamOptions options);

  // ModelInfer on endpoint number `endpoint`; `request` id is sent as
  // metadata x-request-id, `deadline` becomes the call's deadline. Never
  // throws.
  // `cancel` (optional) cancels the call from any thread.
  net::awaitable<GrpcAttempt> Infer(
      size_t endpoint, std::shared_ptr<const inference::ModelInferRequest> req,
      const std::string& request_id, Clock::time_point deadline,
      CallCanceller* cancel = nullptr);

  // The RPC of a REST GET: /v2/health/live, /v2/health/ready (ServerLive,
  // ServerReady), /v2/models/<m>/ready (ModelReady), /v2/models/<m>
  // (ModelMetadata), answered as the REST route's JSON. NOT_FOUND for other
  // paths.
  net::awaitable<GrpcAttempt> Get(size_t endpoint, const std::string& path,
                                  const std::string& request_id,
                                  Clock::time_point deadline);

 private:
  struct Endpoint {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<inference::GRPCInferenceService::Stub> stub;
  };
  // A channel that failed to connect waits out a backoff before it tries
  // again, failing calls at once meanwhile; an attempt cuts that short, as
  // an HTTP attempt connects afresh.
  inference::GRPCInferenceService::Stub& Ready(size_t endpoint);

  std::vector<Endpoint> endpoints_;
};

}  // namespace ocr
