// When the gateway may try the model again, and how long it waits first.
// Pure functions: the decisions are unit-tested without a network.
#pragma once

#include <chrono>
#include <random>
#include <string_view>

#include "common/http_client.h"

namespace ocr {

enum class AttemptOutcome {
  kOk,           // a response below 500, or 500/502/504: final
  kRefused,      // unreachable: refused, unresolvable, or no connection
                 // within the connect timeout. Nothing was sent.
  kReset,        // the connection broke before a response arrived
  kTimeout,      // the deadline passed: no time left to retry
  kUnavailable,  // 503 from the model
  kTooLarge,     // the answer is over the gateway's response limit: final,
                 // every attempt would get the same answer
};

// Classifies one attempt.
AttemptOutcome ClassifyAttempt(const HttpAttempt& attempt);
// Label for metrics: "ok", "refused", "reset", "timeout", "unavailable",
// "too_large".
std::string_view OutcomeName(AttemptOutcome outcome);

struct RetryPolicy {
  int max_retries = 2;
  std::chrono::milliseconds base_backoff{50};
  std::chrono::milliseconds max_backoff{1000};

  // Whether attempt number `attempt` (0 = the first) may be followed by
  // another. OCR has no side effects, so a request that may have reached
  // the model before the connection broke is safe to repeat; a 4xx never is
  // worth repeating, a timeout leaves no time.
  bool ShouldRetry(AttemptOutcome outcome, int attempt) const;
  // Delay before retry number `retry` (1 = first): full jitter over
  // min(max_backoff, base_backoff * 2^(retry-1)).
  std::chrono::milliseconds Backoff(int retry, std::mt19937& rng) const;
};

}  // namespace ocr
