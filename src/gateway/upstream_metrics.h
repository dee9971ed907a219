// Metrics of the gateway's calls to the model service, recorded in one place
// (ModelClient): each attempt's latency by outcome, retries, and requests
// that failed upstream by reason.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "gateway/retry_policy.h"

namespace ocr {

class UpstreamMetrics {
 public:
  explicit UpstreamMetrics(prometheus::Registry& registry);
  void RecordAttempt(const std::string& endpoint, AttemptOutcome outcome,
                     double seconds);
  void RecordRetry(AttemptOutcome after);
  // A request the model could not serve in the end: "unavailable",
  // "timeout", "refused", "reset", "bad_gateway".
  void RecordFailure(const std::string& reason);

 private:
  prometheus::Family<prometheus::Histogram>& attempts_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& failures_;
};

}  // namespace ocr
