#include "gateway/retry_policy.h"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace ocr {

AttemptOutcome ClassifyAttempt(const HttpAttempt& attempt) {
  if (attempt.timed_out) return AttemptOutcome::kTimeout;
  switch (attempt.failed_at) {
    case HttpAttempt::Stage::kConnect:
      // A connect timeout that left time on the request's deadline lands
      // here too (timed_out is false): the endpoint is unreachable, and the
      // next endpoint may answer.
      return AttemptOutcome::kRefused;
    case HttpAttempt::Stage::kReceive:
      // The body grew past the response limit: not a broken connection.
      if (attempt.error == http::error::body_limit) {
        return AttemptOutcome::kTooLarge;
      }
      return AttemptOutcome::kReset;
    case HttpAttempt::Stage::kSend:
      return AttemptOutcome::kReset;
    case HttpAttempt::Stage::kNone:
      break;
  }
  return attempt.response.result() == http::status::service_unavailable
             ? AttemptOutcome::kUnavailable
             : AttemptOutcome::kOk;
}

std::string_view OutcomeName(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kOk:
      return "ok";
    case AttemptOutcome::kRefused:
      return "refused";
    case AttemptOutcome::kReset:
      return "reset";
    case AttemptOutcome::kTimeout:
      return "timeout";
    case AttemptOutcome::kUnavailable:
      return "unavailable";
    case AttemptOutcome::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

bool RetryPolicy::ShouldRetry(AttemptOutcome outcome, int attempt) const {
  if (attempt >= max_retries) return false;
  return outcome == AttemptOutcome::kRefused ||
         outcome == AttemptOutcome::kReset ||
         outcome == AttemptOutcome::kUnavailable;
}

std::chrono::milliseconds RetryPolicy::Backoff(int retry,
                                               std::mt19937& rng) const {
  const int shift = std::clamp(retry - 1, 0, 20);
  const auto cap =
      std::min<int64_t>(max_backoff.count(), base_backoff.count() << shift);
  if (cap <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<int64_t> jitter(0, cap);
  return std::chrono::milliseconds(jitter(rng));
}

}  // namespace ocr
