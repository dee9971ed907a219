#include "gateway/upstream_metrics.h"

#include "common/metrics.h"

namespace ocr {

UpstreamMetrics::UpstreamMetrics(prometheus::Registry& registry,
                                 std::string_view protocol)
    : attempts_(prometheus::BuildHistogram()
                    .Name("gateway_upstream_attempt_duration_seconds")
                    .Help("Duration of each attempt to call the model "
                          "service, by endpoint and outcome.")
                    .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("gateway_upstream_retries_total")
                   .Help("Attempts repeated, by the outcome that caused it.")
                   .Register(registry)),
      failures_(prometheus::BuildCounter()
                    .Name("gateway_upstream_failures_total")
                    .Help("Requests the model service could not serve after "
                          "all attempts, by reason.")
                    .Register(registry)) {
  prometheus::BuildGauge()
      .Name("gateway_upstream_protocol_info")
      .Help(
          "The protocol the gateway talks to the model service in "
          "(--upstream-protocol): always 1, labelled.")
      .Register(registry)
      .Add({{"protocol", std::string(protocol)}})
      .Set(1);
}

void UpstreamMetrics::RecordAttempt(const std::string& endpoint,
                                    AttemptOutcome outcome, double seconds) {
  attempts_
      .Add({{"endpoint", endpoint},
            {"outcome", std::string(OutcomeName(outcome))}},
           LatencyBuckets())
      .Observe(seconds);
}

void UpstreamMetrics::RecordRetry(AttemptOutcome after) {
  retries_.Add({{"after", std::string(OutcomeName(after))}}).Increment();
}

void UpstreamMetrics::RecordFailure(const std::string& reason) {
  failures_.Add({{"reason", reason}}).Increment();
}

}  // namespace ocr
