// The one mapping between the project's Status codes and gRPC status codes,
// used by the model server's gRPC front end and the gateway's gRPC upstream.
//
// gRPC has fewer codes than HTTP has statuses, so the model server also
// sends the exact code's name (StatusCodeName) in the trailing metadata
// kStatusReasonKey; a client that finds it recovers the exact code.
#pragma once

#include <grpcpp/support/status.h>

#include <string_view>

#include "common/status.h"

namespace ocr {

inline constexpr std::string_view kStatusReasonKey = "ocr-status-reason";
// ServerMetadata's and ModelMetadata's initial metadata: the installed
// languages, comma-separated, and the default one.
inline constexpr std::string_view kLanguagesKey = "ocr-languages";
inline constexpr std::string_view kDefaultLanguageKey = "ocr-default-language";
// ModelMetadata's initial metadata: the engines the model process runs.
inline constexpr std::string_view kEnginesKey = "ocr-engines";

grpc::StatusCode ToGrpcCode(StatusCode code);
// The inverse; `reason` is the value of kStatusReasonKey when present.
StatusCode FromGrpcCode(grpc::StatusCode code, std::string_view reason = {});

// "INVALID_ARGUMENT": the code's name in gRPC's specification, for logs.
std::string_view GrpcCodeName(grpc::StatusCode code);
// "InvalidArgument": the grpc_code label as go-grpc-prometheus spells it
// (what dashboards for gRPC servers query).
std::string_view GrpcCodeLabel(grpc::StatusCode code);

}  // namespace ocr
