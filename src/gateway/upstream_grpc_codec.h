// The pure half of the gateway's gRPC upstream (inference.
// GRPCInferenceService): grpc:// model URLs, the ModelInferRequest of an
// upload, the answer it brings back, and what a gRPC status means for the
// gateway: the HTTP status the same failure has over REST, and whether the
// attempt is worth repeating (RetryPolicy), so answers and retries are the
// same whichever protocol carries them.
#pragma once

#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/http_client.h"
#include "gateway/retry_policy.h"
#include "gateway/upstream_protocol.h"
#include "proto/grpc_predict_v2.pb.h"

namespace ocr {

inline constexpr std::string_view kDefaultGrpcPort = "8081";

// Parses "grpc://host[:port][/]" (port 8081 when absent). The endpoint's url
// is the URL as given. kInvalidArgument otherwise.
StatusOr<HttpEndpoint> ParseGrpcUrl(std::string_view url);
// "host:port" ("[v6]:port") as a gRPC channel target.
std::string GrpcTarget(const HttpEndpoint& endpoint);

// The request for one upload: id, the options as parameters (psm, dpi and
// timeout as int64 when they are integers, the rest as strings), input-0
// of shape [1] with its content_type, and the file as the one element of
// raw_input_contents (4-byte little-endian length, then the bytes). The
// file is copied once.
std::shared_ptr<inference::ModelInferRequest> BuildGrpcInferRequest(
    const InferInput& input, std::string_view model_name,
    std::string_view request_id);

// output-0 of an answer, with its elements from raw_output_contents or from
// contents.bytes_contents. kInvalidArgument when malformed.
StatusOr<V2Answer> AnswerFromGrpc(const inference::ModelInferResponse& r);

// The HTTP status of the same failure over REST, through the one mapping
// (common/status_grpc.h, common/status_http.h); `reason` is the model
// server's exact code name from the trailing metadata, when sent.
int HttpStatusForGrpc(grpc::StatusCode code, std::string_view reason = {});

// The attempt's outcome: UNAVAILABLE is kRefused when no connection could
// be made (nothing was sent), kReset when the connection broke, and
// kUnavailable (the model's 503) otherwise; DEADLINE_EXCEEDED is kTimeout
// when `deadline_passed`, else the model's own final 504 (kOk); everything
// else is a final answer (kOk).
AttemptOutcome ClassifyGrpc(grpc::StatusCode code, std::string_view message,
                            bool deadline_passed);

// Whether a call failed because its answer was over our receive limit of
// `max_receive_bytes` (the library's RESOURCE_EXHAUSTED "Received message
// larger than max (N vs. <limit>)"), not by the model's verdict (which comes
// with its `reason`): then no attempt can succeed.
bool OverReceiveLimit(grpc::StatusCode code, std::string_view message,
                      std::string_view reason, int max_receive_bytes);

}  // namespace ocr
