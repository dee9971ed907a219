// ocr-gateway assembled: options -> model client, routes, HTTP server,
// metrics; and the graceful shutdown sequence.
#pragma once

#include <atomic>
#include <memory>

#include "common/http_service.h"
#include "common/metrics.h"
#include "gateway/api_keys.h"
#include "gateway/gateway_options.h"
#include "gateway/jobs/callback_policy.h"
#include "gateway/jobs/job_events.h"
#include "gateway/jobs/job_runner.h"
#include "gateway/jobs/job_store.h"
#include "gateway/jobs/jobs_api.h"
#include "gateway/jobs/webhook_sender.h"
#include "gateway/model_client.h"
#include "gateway/upstream_metrics.h"

namespace ocr {

class Gateway {
 public:
  explicit Gateway(GatewayOptions options);
  ~Gateway();

  // Listens and starts serving; ready at once (see docs on /readyz).
  Status Start();
  int port() const { return service_.port(); }

  // SIGTERM: /readyz turns 503, in-flight requests finish within the grace
  // period, then everything stops. True when all finished in time.
  bool Shutdown();

 private:
  // Opens the job store in --job-dir and starts the job runner.
  Status StartJobs();
  // Posts the job's final status to its callback_url (when it has one).
  void SendWebhook(const jobs::JobRecord& job);
  // At start: sends again the webhooks of jobs that ended undelivered.
  void ResendWebhooks();
  // Declaration order is destruction order, reversed. The HTTP server keeps
  // references to the router and the HTTP metrics, and the routes to the
  // metrics, `ready_`, the API keys and the client: all of them are declared
  // before `service_`, so they outlive its server and I/O threads. Only the
  // client comes after, because its pooled sockets belong to the service's
  // io_context and must close before it goes; ~Gateway stops the I/O threads
  // first, so no route can reach the client while it is destroyed.
  GatewayOptions options_;
  Metrics metrics_;
  ProcessCollector process_collector_;
  std::unique_ptr<ErrorCounter> errors_;
  std::unique_ptr<HttpMetrics> http_metrics_;
  std::unique_ptr<UpstreamMetrics> upstream_metrics_;
  std::atomic<bool> ready_{false};
  ApiKeys api_keys_;
  Router router_;
  HttpService service_;
  HttpServiceGauges http_gauges_{service_};
  std::unique_ptr<ModelClient> client_;
  // Jobs: the store, the runner (on service_'s io_context, using client_;
  // stopped before either goes) and the routes' API.
  std::string job_dir_;
  bool job_dir_temporary_ = false;
  std::unique_ptr<jobs::JobStore> job_store_;
  std::unique_ptr<jobs::JobMetrics> job_metrics_;
  std::unique_ptr<jobs::CallbackPolicy> callback_policy_;
  std::string webhook_key_;  // the secret's bytes
  std::unique_ptr<jobs::WebhookSender> webhooks_;
  jobs::JobEvents job_events_;
  std::unique_ptr<jobs::JobRunner> job_runner_;
  std::unique_ptr<jobs::JobsApi> jobs_api_;
};

}  // namespace ocr
