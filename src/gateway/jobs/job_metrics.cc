#include "gateway/jobs/job_metrics.h"

#include <string>

#include "common/metrics.h"

namespace ocr::jobs {

JobMetrics::JobMetrics(prometheus::Registry& registry)
    : created_(prometheus::BuildCounter()
                   .Name("gateway_jobs_created_total")
                   .Help("Jobs accepted (POST /gateway/jobs, Prefer: "
                         "respond-async, documents on /gateway/ocr).")
                   .Register(registry)
                   .Add({})),
      finished_(prometheus::BuildCounter()
                    .Name("gateway_jobs_finished_total")
                    .Help("Jobs that ended, by status.")
                    .Register(registry)),
      active_(prometheus::BuildGauge()
                  .Name("gateway_jobs_active")
                  .Help("Jobs not ended, by state (queued, running).")
                  .Register(registry)),
      pages_queued_(prometheus::BuildGauge()
                        .Name("gateway_job_pages_queued")
                        .Help("Pages of jobs waiting for a model engine.")
                        .Register(registry)
                        .Add({})),
      pages_in_flight_(prometheus::BuildGauge()
                           .Name("gateway_job_pages_in_flight")
                           .Help("Pages of jobs on a model engine now.")
                           .Register(registry)
                           .Add({})),
      oldest_queued_(
          prometheus::BuildGauge()
              .Name("gateway_job_oldest_queued_page_age_seconds")
              .Help("How long the oldest page still queued has waited (0: "
                    "none queued).")
              .Register(registry)
              .Add({})),
      page_seconds_(prometheus::BuildHistogram()
                        .Name("gateway_job_page_duration_seconds")
                        .Help("Time of a job's page on the model, by status.")
                        .Register(registry)),
      webhooks_(prometheus::BuildCounter()
                    .Name("gateway_job_webhook_deliveries_total")
                    .Help("Webhook delivery attempts, by outcome.")
                    .Register(registry)) {
  for (const char* state : {"queued", "running"}) {
    active_.Add({{"state", state}});
  }
  for (const char* status : {"succeeded", "failed"}) {
    page_seconds_.Add({{"status", status}}, LatencyBuckets());
  }
}

void JobMetrics::JobFinished(JobState state) {
  finished_.Add({{"status", std::string(Name(state))}}).Increment();
}

void JobMetrics::PageFinished(bool succeeded, double seconds) {
  page_seconds_
      .Add({{"status", succeeded ? "succeeded" : "failed"}}, LatencyBuckets())
      .Observe(seconds);
}

void JobMetrics::SetBacklog(int queued_jobs, int running_jobs,
                            int64_t pages_queued, int64_t pages_in_flight,
                            double oldest_queued_seconds) {
  active_.Add({{"state", "queued"}}).Set(queued_jobs);
  active_.Add({{"state", "running"}}).Set(running_jobs);
  pages_queued_.Set(static_cast<double>(pages_queued));
  pages_in_flight_.Set(static_cast<double>(pages_in_flight));
  oldest_queued_.Set(oldest_queued_seconds);
}

void JobMetrics::WebhookAttempt(std::string_view outcome) {
  webhooks_.Add({{"outcome", std::string(outcome)}}).Increment();
}

}  // namespace ocr::jobs
