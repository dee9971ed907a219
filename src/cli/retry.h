// Which failures the client tries again, and how long it waits first. Pure
// functions: unit-tested without a network.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_client.h"

namespace ocr::cli {

enum class Verdict {
  kSuccess,    // a 2xx response
  kTransient,  // worth another attempt: refused or reset connection, a
               // timeout, 429, 502, 503, and 504 but from /gateway/ocr
  kFinal,      // give up: any other status (4xx: the request is wrong, 413,
               // 415, 400 and 422 among them; 500: the server failed on this
               // input), a 504 from /gateway/ocr without a job, any answer
               // marked "OCR-Retryable: false" (the gateway's 502 for a model
               // answer over its limit), an answer over our own response
               // limit, or a name that does not resolve
  kFollowJob,  // /gateway/ocr's 504 with the Location of the job that goes
               // on: poll that job instead of sending the file again
};

// Which request an attempt was: /gateway/ocr answers 504 when the request
// outlived the gateway's deadline, which another attempt would too.
enum class RequestKind { kOther, kGatewayOcr };

Verdict ClassifyAttempt(const HttpAttempt& attempt,
                        RequestKind kind = RequestKind::kOther);

inline constexpr std::chrono::milliseconds kFirstBackoff{500};
inline constexpr std::chrono::milliseconds kMaxBackoff{10000};
// The longest Retry-After honoured (a longer one counts as this).
inline constexpr std::chrono::milliseconds kMaxRetryAfter{300000};

// Retry-After in seconds ("3"); nullopt when absent or not a number of
// seconds (an HTTP date is not honoured).
std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value);

// The wait before retry number `retry` (1 = the first): 0.5 s * 2^(retry-1)
// stretched by up to 25% of jitter (`jitter` in [0, 1)) so that clients
// refused together do not come back together, capped at 10 s; and never
// less than the server's Retry-After (up to kMaxRetryAfter).
std::chrono::milliseconds RetryDelay(
    int retry, std::optional<std::chrono::milliseconds> retry_after,
    double jitter);

}  // namespace ocr::cli
