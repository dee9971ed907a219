#include "cli/retry.h"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "cli/job_status.h"
#include "common/options.h"
#include "common/status_http.h"

namespace ocr::cli {

Verdict ClassifyAttempt(const HttpAttempt& attempt, RequestKind kind) {
  if (attempt.failed_at != HttpAttempt::Stage::kNone) {
    // An answer over our own response limit would be again.
    if (attempt.failed_at == HttpAttempt::Stage::kReceive &&
        attempt.error == http::error::body_limit) {
      return Verdict::kFinal;
    }
    if (attempt.failed_at == HttpAttempt::Stage::kConnect &&
        (attempt.error == net::error::host_not_found ||
         attempt.error == net::error::service_not_found)) {
      return Verdict::kFinal;  // a typo in --url does not heal
    }
    return Verdict::kTransient;
  }
  const unsigned status = attempt.response.result_int();
  if (status >= 200 && status < 300) return Verdict::kSuccess;
  if (status == 504 && kind == RequestKind::kGatewayOcr) {
    // The gateway's deadline passed: the same request would outlive it
    // again. A document goes on as the job it names.
    return JobIdFromLocation(attempt.response[http::field::location])
               ? Verdict::kFollowJob
               : Verdict::kFinal;
  }
  // The server says another attempt gets the same answer.
  if (beast::iequals(attempt.response[kRetryableHeader], "false")) {
    return Verdict::kFinal;
  }
  if (status == 429 || status == 502 || status == 503 || status == 504) {
    return Verdict::kTransient;
  }
  return Verdict::kFinal;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  int64_t seconds = 0;
  if (!ParseInt64(value, &seconds) || seconds < 0) return std::nullopt;
  // Anything past the cap is the cap; avoid overflowing on the way.
  seconds = std::min<int64_t>(seconds, 24 * 3600);
  return std::chrono::milliseconds(seconds * 1000);
}

std::chrono::milliseconds RetryDelay(
    int retry, std::optional<std::chrono::milliseconds> retry_after,
    double jitter) {
  using std::chrono::milliseconds;
  const int doublings = std::clamp(retry - 1, 0, 16);
  const milliseconds backoff =
      std::min(kMaxBackoff, kFirstBackoff * (1 << doublings));
  jitter = std::clamp(jitter, 0.0, 1.0);
  const milliseconds stretched = std::min(
      kMaxBackoff,
      milliseconds(static_cast<int64_t>(static_cast<double>(backoff.count()) *
                                        (1.0 + 0.25 * jitter))));
  if (!retry_after) return stretched;
  return std::max(stretched, std::min(*retry_after, kMaxRetryAfter));
}

}  // namespace ocr::cli
