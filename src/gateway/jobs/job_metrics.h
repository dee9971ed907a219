// Metrics of the gateway's jobs, recorded by the job runner: jobs created
// and finished by status, jobs active by state, pages queued and in flight,
// the age of the oldest queued page (the backlog's own alarm), each page's
// time on the model by outcome, and webhook deliveries by outcome.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string_view>

#include "gateway/jobs/job_store.h"

namespace ocr::jobs {

class JobMetrics {
 public:
  explicit JobMetrics(prometheus::Registry& registry);

  void JobCreated() { created_.Increment(); }
  void JobFinished(JobState state);
  // One page's last attempt: "succeeded" or "failed", and its seconds.
  void PageFinished(bool succeeded, double seconds);
  // The backlog as the runner sees it now.
  void SetBacklog(int queued_jobs, int running_jobs, int64_t pages_queued,
                  int64_t pages_in_flight, double oldest_queued_seconds);
  // A webhook attempt: "delivered", "failed" (will retry) or "gave_up".
  void WebhookAttempt(std::string_view outcome);

 private:
  prometheus::Counter& created_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Gauge& pages_queued_;
  prometheus::Gauge& pages_in_flight_;
  prometheus::Gauge& oldest_queued_;
  prometheus::Family<prometheus::Histogram>& page_seconds_;
  prometheus::Family<prometheus::Counter>& webhooks_;
};

}  // namespace ocr::jobs
