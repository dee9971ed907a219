// Metrics of the gateway's calls to the model service, recorded in one place
// (ModelClient): each attempt's latency by outcome, retries, and requests
// that failed upstream by reason; and the protocol they use, as the info
// metric gateway_upstream_protocol_info{protocol} 1 (a label of its own, so
// the other series and the dashboards' queries stay as they were).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "gateway/retry_policy.h"

namespace ocr {

class UpstreamMetrics {
 public:
  UpstreamMetrics(prometheus::Registry& registry,
                  std::string_view protocol = "v2-json");
  void RecordAttempt(const std::string& endpoint, AttemptOutcome outcome,
                     double seconds);
  void RecordRetry(AttemptOutcome after);
  // A request the model could not serve in the end: "unavailable",
  // "timeout", "refused", "reset", "bad_gateway", "too_large" (the answer
  // was over --max-response-bytes).
  void RecordFailure(const std::string& reason);

 private:
  prometheus::Family<prometheus::Histogram>& attempts_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& failures_;
};

}  // namespace ocr
