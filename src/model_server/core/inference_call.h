// What a protocol front end (REST V1/V2, binary REST, gRPC) hands the
// inference core for one request, and what it gets back. The core applies
// the request policy they all share (InferenceCore::Call).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// The largest request a front end accepts unless configured otherwise: a
// REST body (--max-body-bytes) and a gRPC message (--grpc-max-message-bytes)
// alike: one limit on the bytes a request may bring, whatever its protocol
// (JSON's base64 makes a file 4/3 larger on the wire than gRPC's raw bytes).
inline constexpr int64_t kDefaultMaxRequestBytes = int64_t{64} << 20;

// What the transport knows before the body is decoded.
struct CallInfo {
  std::string model_name;
  std::string model_version;  // empty: the current version
  // The transport's request id (X-Request-ID, gRPC metadata, or generated):
  // the response's id when the request names none.
  std::string request_id;
  // When the request arrived; its deadline counts from here. REST: once its
  // header is read, before the body. gRPC: when the call reaches the service
  // (the callback API hands a call over with its message, and exposes no
  // earlier point); a client's gRPC deadline counts from the call's header.
  // Either way the request id went through RequestIdOrNew.
  Clock::time_point received = Clock::now();
  // The client's own deadline (gRPC's); the `timeout` parameter and
  // --timeout-seconds may only shorten it.
  Clock::time_point client_deadline = Clock::time_point::max();
  // Set by the transport when the client goes away (gRPC's cancellation,
  // REST: the server noticed the connection close, on_client_gone):
  // the request's recognitions stop as on a deadline. Null: never.
  CancelFlag client_cancelled = nullptr;
};

// What the core learned of the request, for the front end's log line.
struct CallSummary {
  size_t images = 0;
  uint64_t image_bytes = 0;
  double megapixels = 0;
  Clock::time_point deadline = Clock::time_point::max();
};

// Decodes the request's body (timed as request_preprocess_seconds).
using CallDecoder = std::function<StatusOr<InferRequest>()>;
// Encodes a successful response into the front end's own answer (timed as
// request_postprocess_seconds); runs before CallFinish, on any thread.
using CallEncoder = std::function<void(const InferResponse&)>;
// Called exactly once, on any thread, when the call is over: OK once the
// encoder ran, else the error to send (already counted in
// request_errors_total).
using CallFinish = std::function<void(const Status&, const CallSummary&)>;

}  // namespace ocr
