// Status and StatusOr<T>: the project's only error currency. Functions that can
// fail return one of these; nothing below the transport boundary throws.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ocr {

// Codes are the project's error kinds. Each maps to exactly one HTTP status
// (common/status_http.h) and, later, one gRPC code.
enum class StatusCode {
  kOk,
  kInvalidArgument,       // 400: the request is malformed or names bad values
  kNotFound,              // 404: unknown route or model
  kMethodNotAllowed,      // 405
  kPayloadTooLarge,       // 413: body or image over a configured limit
  kUnsupportedMediaType,  // 415: the bytes are not an image
  kUnprocessable,         // 422: a required form field is missing (gateway)
  kConflict,              // 409: not in a state for this (a job still running)
  kBadGateway,            // 502: an upstream answered with a server error
  kUnavailable,  // 503: not ready, queue full, shutting down, upstream down
  kDeadlineExceeded,     // 504: the request's deadline passed
  kUnimplemented,        // 501
  kEngineCrash,          // 500: the engine's worker process died on the input
  kEngineTimeout,        // 504: the engine ran past the deadline and was killed
  kInsufficientStorage,  // 507: the job store's disk is full
  kInternal,             // 500: a bug or a library failure; the last code
};

// Stable snake_case name, used as the `reason` label of error metrics.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>".
  Status WithPrefix(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status PayloadTooLargeError(std::string m) {
  return {StatusCode::kPayloadTooLarge, std::move(m)};
}
inline Status UnavailableError(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status EngineCrashError(std::string m) {
  return {StatusCode::kEngineCrash, std::move(m)};
}
inline Status EngineTimeoutError(std::string m) {
  return {StatusCode::kEngineTimeout, std::move(m)};
}
inline Status InsufficientStorageError(std::string m) {
  return {StatusCode::kInsufficientStorage, std::move(m)};
}
inline Status InternalError(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const Status& status) : data_(status) { assert(!status.ok()); }
  StatusOr(Status&& status) : data_(std::move(status)) {
    assert(!std::get<Status>(data_).ok());
  }
  StatusOr(const T& value) : data_(value) {}
  StatusOr(T&& value) : data_(std::move(value)) {}

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> data_;
};

}  // namespace ocr

#define OCR_CONCAT_INNER(a, b) a##b
#define OCR_CONCAT(a, b) OCR_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::ocr::Status ocr_status_ = (expr);        \
    if (!ocr_status_.ok()) return ocr_status_; \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): evaluates a StatusOr, returns its status on
// error, otherwise assigns (moves) the value into lhs.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(OCR_CONCAT(ocr_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
