#include "common/status_grpc.h"

namespace ocr {
namespace {

struct CodeNames {
  std::string_view spec;
  std::string_view label;
};

// Indexed by the code's number (0 OK .. 16 UNAUTHENTICATED).
constexpr CodeNames kCodeNames[] = {
    {"OK", "OK"},
    {"CANCELLED", "Canceled"},
    {"UNKNOWN", "Unknown"},
    {"INVALID_ARGUMENT", "InvalidArgument"},
    {"DEADLINE_EXCEEDED", "DeadlineExceeded"},
    {"NOT_FOUND", "NotFound"},
    {"ALREADY_EXISTS", "AlreadyExists"},
    {"PERMISSION_DENIED", "PermissionDenied"},
    {"RESOURCE_EXHAUSTED", "ResourceExhausted"},
    {"FAILED_PRECONDITION", "FailedPrecondition"},
    {"ABORTED", "Aborted"},
    {"OUT_OF_RANGE", "OutOfRange"},
    {"UNIMPLEMENTED", "Unimplemented"},
    {"INTERNAL", "Internal"},
    {"UNAVAILABLE", "Unavailable"},
    {"DATA_LOSS", "DataLoss"},
    {"UNAUTHENTICATED", "Unauthenticated"},
};

const CodeNames& Names(grpc::StatusCode code) {
  const auto i = static_cast<size_t>(code);
  return i < std::size(kCodeNames) ? kCodeNames[i] : kCodeNames[2];
}

}  // namespace

std::string_view GrpcCodeName(grpc::StatusCode code) {
  return Names(code).spec;
}

std::string_view GrpcCodeLabel(grpc::StatusCode code) {
  return Names(code).label;
}

grpc::StatusCode ToGrpcCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnsupportedMediaType:
    case StatusCode::kUnprocessable:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kConflict:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case StatusCode::kMethodNotAllowed:
    case StatusCode::kUnimplemented:
      return grpc::StatusCode::UNIMPLEMENTED;
    case StatusCode::kInsufficientStorage:
    case StatusCode::kPayloadTooLarge:
      // What gRPC itself answers for a message over the size limit.
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case StatusCode::kBadGateway:
    case StatusCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kEngineTimeout:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case StatusCode::kEngineCrash:
    case StatusCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

StatusCode FromGrpcCode(grpc::StatusCode code, std::string_view reason) {
  if (!reason.empty()) {
    for (int i = 0; i <= static_cast<int>(StatusCode::kInternal); ++i) {
      const auto candidate = static_cast<StatusCode>(i);
      if (StatusCodeName(candidate) == reason &&
          ToGrpcCode(candidate) == code) {
        return candidate;
      }
    }
  }
  switch (code) {
    case grpc::StatusCode::OK:
      return StatusCode::kOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return StatusCode::kInvalidArgument;
    case grpc::StatusCode::NOT_FOUND:
      return StatusCode::kNotFound;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return StatusCode::kPayloadTooLarge;
    case grpc::StatusCode::UNAVAILABLE:
      return StatusCode::kUnavailable;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return StatusCode::kDeadlineExceeded;
    case grpc::StatusCode::UNIMPLEMENTED:
      return StatusCode::kUnimplemented;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace ocr
