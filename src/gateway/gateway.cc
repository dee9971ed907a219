#include "gateway/gateway.h"

#include <stdlib.h>

#include <filesystem>

#include "common/json_writer.h"
#include "common/logging.h"
#include "gateway/jobs/job_json.h"
#include "gateway/jobs/sqlite_job_store.h"
#include "gateway/jobs/webhook.h"
#include "gateway/ocr_api.h"
#include "page_splitter/splitter_process.h"

namespace ocr {
namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

Gateway::Gateway(GatewayOptions options)
    : options_(std::move(options)), service_(options_.io_threads) {}

Gateway::~Gateway() {
  ready_ = false;
  // The runner's coroutines run on the service's threads: stop it first.
  if (job_runner_) job_runner_->Stop();
  // The I/O threads go first: once they are joined no route runs, so nothing
  // can reach a member while it is destroyed. The client's pooled sockets
  // then close while their io_context (in service_) is still alive.
  service_.Stop();
  job_runner_.reset();
  client_.reset();
  job_store_.reset();
  if (job_dir_temporary_) std::filesystem::remove_all(job_dir_);
}

Status Gateway::StartJobs() {
  job_dir_ = options_.job_dir;
  if (job_dir_.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ocr-gateway-jobs-XXXXXX")
            .string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return UnavailableError("cannot make a temporary job folder");
    }
    job_dir_ = pattern;
    job_dir_temporary_ = true;
    LOG_WARNING(
        "jobs are kept in a temporary folder removed at exit; set "
        "--job-dir to keep them across restarts",
        {{"job_dir", job_dir_}});
  }
  std::error_code ec;
  std::filesystem::create_directories(job_dir_ + "/inputs", ec);
  if (ec) {
    return UnavailableError("cannot make the job folder '" + job_dir_ +
                            "': " + ec.message());
  }
  // Bodies of uploads cut short by a crash: nobody will finish them.
  for (const auto& entry :
       std::filesystem::directory_iterator(job_dir_ + "/inputs", ec)) {
    if (entry.path().filename().string().starts_with("body-")) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  auto store = jobs::SqliteJobStore::Open(job_dir_ + "/jobs.sqlite3");
  if (!store.ok()) return store.status().WithPrefix("--job-dir");
  job_store_ = std::move(store).value();

  job_metrics_ = std::make_unique<jobs::JobMetrics>(metrics_.registry());
  ASSIGN_OR_RETURN(auto policy,
                   jobs::CallbackPolicy::Parse(options_.callback_allow));
  callback_policy_ = std::make_unique<jobs::CallbackPolicy>(std::move(policy));
  std::function<Status(std::string_view)> check_callback;
  if (!options_.webhook_secret.empty()) {
    auto key = jobs::ParseWebhookSecret(options_.webhook_secret);
    if (!key.ok()) return key.status().WithPrefix("--webhook-secret");
    webhook_key_ = std::move(key).value();
    webhooks_ = std::make_unique<jobs::WebhookSender>(
        service_.io_context().get_executor(), *callback_policy_, webhook_key_);
    check_callback = [this](std::string_view url) {
      return callback_policy_->Check(url).status();
    };
  } else {
    check_callback = [](std::string_view) {
      return InvalidArgumentError(
          "callback_url needs a webhook secret to sign with: start the "
          "gateway with --webhook-secret");
    };
  }
  jobs::JobRunnerOptions runner;
  runner.metrics = job_metrics_.get();
  runner.inputs_dir = job_dir_ + "/inputs";
  runner.max_pages = options_.max_job_pages;
  runner.slots_per_endpoint = options_.job_page_concurrency;
  runner.page_timeout = Millis(options_.job_page_timeout_seconds);
  runner.retention = Millis(options_.job_retention_seconds);
  runner.model_name = options_.model_name;
  runner.on_final = [this](const jobs::JobRecord& job) { SendWebhook(job); };
  // Documents are split in the sandboxed ocr-page-splitter beside us.
  runner.split = [binary = page_split::SplitterBinaryNextToSelf()](
                     const std::string& path, const std::string& media_type,
                     const std::string& pages_spec, int max_pages,
                     const jobs::PageSink& on_page) -> StatusOr<int> {
    page_split::SplitOptions split;
    split.binary = binary;
    split.media_type = media_type;
    split.pages_spec = pages_spec;
    split.max_pages = max_pages;
    return page_split::SplitDocument(
        path, split, [&on_page](page_split::SplitPage page) {
          return on_page(page.page, std::move(page.media_type),
                         std::move(page.bytes));
        });
  };
  job_runner_ = std::make_unique<jobs::JobRunner>(
      service_.io_context().get_executor(), *job_store_, *client_, job_events_,
      std::move(runner));
  jobs_api_ = std::make_unique<jobs::JobsApi>(
      *job_store_, *job_runner_, job_events_,
      jobs::JobsApiOptions{.model_name = options_.model_name,
                           .check_callback = std::move(check_callback),
                           .metrics = job_metrics_.get(),
                           .max_job_bytes = options_.max_job_bytes,
                           .spool_dir = job_dir_ + "/inputs"});
  RETURN_IF_ERROR(job_runner_->Start());
  ResendWebhooks();
  return OkStatus();
}

Status Gateway::Start() {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(options_.log_level, &level);
  SetLogLevel(level);

  ASSIGN_OR_RETURN(api_keys_,
                   ApiKeys::Load(options_.api_keys_file, options_.api_keys));
  ModelClientOptions client_options;
  ASSIGN_OR_RETURN(client_options.protocol,
                   ParseUpstreamProtocol(options_.upstream_protocol));
  ASSIGN_OR_RETURN(client_options.endpoints, options_.ModelEndpoints());
  // The largest upload, its framing and the request's other fields.
  client_options.max_request_bytes = options_.max_upload_bytes + (1 << 20);
  client_options.model_name = options_.model_name;
  client_options.retry.max_retries = options_.retries;
  client_options.retry.base_backoff = Millis(options_.retry_backoff_seconds);
  client_options.http.connect_timeout =
      Millis(options_.connect_timeout_seconds);
  client_options.http.max_response_bytes =
      static_cast<uint64_t>(options_.max_response_bytes);

  errors_ =
      std::make_unique<ErrorCounter>(metrics_.registry(), options_.model_name);
  http_metrics_ = std::make_unique<HttpMetrics>(
      metrics_.registry(), options_.model_name, errors_.get());
  upstream_metrics_ = std::make_unique<UpstreamMetrics>(
      metrics_.registry(), ProtocolName(client_options.protocol));
  metrics_.AddCollector(&process_collector_);
  metrics_.AddCollector(&http_gauges_);
  client_ =
      std::make_unique<ModelClient>(service_.io_context().get_executor(),
                                    client_options, upstream_metrics_.get());
  RETURN_IF_ERROR(StartJobs());
  AddGatewayRoutes(router_, *client_, metrics_, ready_,
                   {.timeout = Millis(options_.timeout_seconds),
                    .api_keys = &api_keys_,
                    .jobs = jobs_api_.get()});

  HttpServerOptions http_options;
  http_options.host = options_.host;
  http_options.timeouts = ToDeadlines(options_.connection);
  http_options.port = options_.port;
  // Room for the multipart framing around the largest upload.
  http_options.max_body_bytes = options_.max_upload_bytes + 64 * 1024;
  http_options.server_name = "ocr-gateway";
  http_options.max_connections = options_.max_connections;
  // Room for the form's other fields around the largest upload, as
  // max_body_bytes has.
  http_options.max_inflight_body_bytes =
      (options_.max_inflight_bytes > 0 ? options_.max_inflight_bytes
                                       : 4 * options_.max_upload_bytes) +
      64 * 1024;
  http_options.error_body = [](std::string_view message) {
    std::string out = "{\"detail\":";
    json::AppendString(out, message);
    out += "}";
    return out;
  };
  RETURN_IF_ERROR(service_.Start(http_options, router_, http_metrics_.get()));
  ready_ = true;
  LOG_INFO("ready", {{"port", service_.port()},
                     {"model_urls", options_.model_urls},
                     {"upstream_protocol", options_.upstream_protocol},
                     {"model", options_.model_name},
                     {"api_keys", static_cast<uint64_t>(api_keys_.size())}});
  service_.WritePortFile(options_.port_file);
  return OkStatus();
}

void Gateway::ResendWebhooks() {
  if (!webhooks_) return;
  // Jobs that ended before a crash or restart, their webhook not delivered
  // yet: the same message (same webhook-id) goes out again.
  auto ids = job_store_->UndeliveredWebhooks(
      jobs::WebhookDeliveryOptions{}.max_attempts);
  if (!ids.ok()) {
    LOG_WARNING("cannot list undelivered webhooks",
                {{"error", ids.status().message()}});
    return;
  }
  for (const std::string& id : *ids) {
    auto job = job_store_->GetJob(id);
    if (job.ok()) SendWebhook(*job);
  }
}

void Gateway::SendWebhook(const jobs::JobRecord& job) {
  if (job.spec.callback_url.empty() || !webhooks_) return;
  // Standard Webhooks' envelope: type, timestamp, data (the job's status).
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string body = "{\"type\":\"job.";
  body += jobs::Name(job.state);
  body += "\",\"timestamp\":\"" + jobs::FormatTime(now_ms) + "\",\"data\":";
  body += jobs::JobStatusJson(job, now_ms);
  body += "}";
  jobs::WebhookMessage message{
      .id = jobs::WebhookMessageIdFor(webhook_key_, job.spec.id + ":ended"),
      .callback_url = job.spec.callback_url,
      .body = std::move(body)};
  const std::string id = job.spec.id;
  webhooks_->Start(
      std::move(message), [this, id](const jobs::WebhookAttemptReport& report) {
        job_metrics_->WebhookAttempt(
            report.delivered ? "delivered"
                             : (report.last ? "gave_up" : "failed"));
        LOG_INFO("webhook attempt", {{"job_id", id},
                                     {"attempt", report.attempt},
                                     {"delivered", report.delivered},
                                     {"http_status", report.http_status},
                                     {"detail", report.detail}});
        const Status s = job_store_->RecordWebhookAttempt(
            id, report.delivered,
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count());
        if (!s.ok() && s.code() != StatusCode::kNotFound) {
          LOG_WARNING("cannot record a webhook attempt",
                      {{"job_id", id}, {"error", s.message()}});
        }
      });
}

bool Gateway::Shutdown() {
  ready_ = false;
  // Pages in flight stop and stay queued in the store for the next start.
  if (job_runner_) job_runner_->Stop();
  if (!service_.Drain(Millis(options_.shutdown_grace_seconds))) return false;
  service_.Stop();
  return true;
}

}  // namespace ocr
