#include "model_server/model_server.h"

#include <omp.h>

#include "common/logging.h"
#include "common/status_http.h"
#include "model_server/core/caching_recognizer.h"
#include "model_server/core/scheduler.h"
#include "model_server/core/tesseract_engine.h"
#include "model_server/core/thread_executor.h"
#include "model_server/frontend/inference_pipeline.h"
#include "model_server/frontend/rest_handlers.h"
#include "model_server/worker/process_executor.h"

namespace ocr {
namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string::npos ? text.size() : comma;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::unique_ptr<Executor> ModelServer::MakeExecutor(
    const std::vector<std::string>& preload) const {
  if (options_.engine_isolation == "thread") {
    EngineSetOptions engines;
    engines.preload_languages = preload;
    engines.installed_languages = InstalledLanguages(options_.tessdata);
    engines.limits.max_pixels = options_.max_image_pixels;
    engines.limits.max_side = options_.max_image_side;
    return std::make_unique<ThreadExecutor>(
        options_.engines, engines, TesseractEngineFactory(options_.tessdata));
  }
  worker::ProcessExecutorOptions workers;
  workers.slots = options_.engines;
  workers.launch.binary = options_.worker_binary;
  workers.launch.args = {
      "--tessdata=" + options_.tessdata,
      "--languages=" + options_.languages,
      "--max-image-side=" + std::to_string(options_.max_image_side),
      "--max-address-space=" +
          std::to_string(options_.worker_max_address_space),
      "--max-cpu-seconds=" + std::to_string(options_.worker_max_cpu_seconds),
      "--log-level=" + options_.log_level,
  };
  workers.launch.max_page_pixels = options_.max_image_pixels;
  workers.max_requests = options_.worker_max_requests;
  workers.max_rss_bytes = options_.worker_max_rss;
  workers.max_cpu_seconds =
      static_cast<double>(options_.worker_max_cpu_seconds);
  return std::make_unique<worker::ProcessExecutor>(workers);
}

ModelServer::ModelServer(ModelServerOptions options)
    : options_(std::move(options)), service_(options_.io_threads) {}

ModelServer::~ModelServer() {
  if (grpc_) grpc_->Shutdown(std::chrono::system_clock::now());
  service_.Stop();
  // Workers may still post results to the (stopped) io_context: stop them
  // while it exists.
  if (core_) core_->Stop();
}

Status ModelServer::Start() {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(options_.log_level, &level);
  SetLogLevel(level);

  const auto preload = SplitList(options_.languages);
  CoreOptions core_options;
  core_options.model_name = options_.model_name;
  core_options.model_version = options_.model_version;
  core_options.default_lang = preload.empty() ? "eng" : preload.front();
  core_options.installed_languages = InstalledLanguages(options_.tessdata);
  core_options.max_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(options_.timeout_seconds * 1000));
  for (const auto& lang : preload) {
    // A typo fails at start-up, not at the first request.
    RETURN_IF_ERROR(
        CheckLanguage(lang, core_options.installed_languages)
            .WithPrefix("--languages (tessdata " + options_.tessdata + ")"));
  }

  core_options.max_images_per_request = options_.max_images_per_request;
  core_options.max_pages = options_.max_pages;
  core_options.engines = options_.engines;

  errors_ =
      std::make_unique<ErrorCounter>(metrics_.registry(), options_.model_name);
  http_metrics_ = std::make_unique<HttpMetrics>(
      metrics_.registry(), options_.model_name, errors_.get());
  core_metrics_ =
      std::make_unique<CoreMetrics>(metrics_.registry(), errors_.get());
  metrics_.AddCollector(&process_collector_);
  metrics_.AddCollector(&http_gauges_);
  metrics_.AddCollector(core_metrics_.get());
  std::unique_ptr<Recognizer> recognizer = std::make_unique<Scheduler>(
      SchedulerOptions{options_.max_queue}, MakeExecutor(preload));
  if (options_.result_cache_mb > 0) {
    recognizer = std::make_unique<CachingRecognizer>(
        std::move(recognizer), int64_t{options_.result_cache_mb} << 20);
  }
  core_ = std::make_unique<InferenceCore>(core_options, std::move(recognizer),
                                          core_metrics_.get(),
                                          service_.io_context().get_executor());

  const ServerIdentity identity{"ocr-model-server", OCR_VERSION};
  AddV2Routes(router_, *core_, identity);
  AddV1Routes(router_, *core_);
  router_.Add(http::verb::get, "/metrics",
              SyncHandler([this](RequestContext& ctx) {
                Response res{http::status::ok, ctx.request.version()};
                res.set(http::field::content_type,
                        "text/plain; version=0.0.4; charset=utf-8");
                res.body() = metrics_.Serialize();
                return res;
              }));

  HttpServerOptions http_options;
  http_options.host = options_.host;
  http_options.timeouts = ToDeadlines(options_.connection);
  http_options.port = options_.http_port;
  http_options.max_body_bytes = options_.max_body_bytes;
  http_options.max_inflight_body_bytes = options_.max_inflight_bytes;
  http_options.max_connections = options_.max_connections;
  http_options.server_name = "ocr-model-server";
  RETURN_IF_ERROR(service_.Start(http_options, router_, http_metrics_.get()));
  if (options_.grpc_port >= 0) {
    grpc_ = std::make_unique<GrpcServer>(*core_, identity, metrics_.registry());
    RETURN_IF_ERROR(
        grpc_->Start({.host = options_.host,
                      .port = options_.grpc_port,
                      .max_message_bytes = options_.grpc_max_message_bytes,
                      .max_inflight_bytes = options_.max_inflight_bytes}));
  }
  LOG_INFO("listening", {{"port", service_.port()},
                         {"grpc_port", grpc_port()},
                         {"ready", false}});

  const auto warm_start = Clock::now();
  RETURN_IF_ERROR(core_->Start());
  LOG_INFO("ready", {{"port", service_.port()},
                     {"model", options_.model_name},
                     {"engines", options_.engines},
                     {"engine_isolation", options_.engine_isolation},
                     {"languages", options_.languages},
                     {"installed_languages",
                      std::to_string(core_options.installed_languages.size())},
                     {"tesseract", TesseractVersion()},
                     {"omp_thread_limit", omp_get_thread_limit()},
                     {"result_cache_mb", options_.result_cache_mb},
                     {"warmup_ms", std::chrono::duration<double, std::milli>(
                                       Clock::now() - warm_start)
                                       .count()}});
  if (grpc_) grpc_->SetServing(true);
  // gRPC's first: a reader of the HTTP port file then finds both.
  if (grpc_) WritePortFile(options_.grpc_port_file, grpc_->port());
  service_.WritePortFile(options_.port_file);
  return OkStatus();
}

bool ModelServer::Shutdown() {
  core_->BeginShutdown();
  if (grpc_) grpc_->SetServing(false);
  // Engines may still run recognitions of requests that already timed out.
  const auto grace = std::chrono::milliseconds(
      static_cast<int64_t>(options_.shutdown_grace_seconds * 1000));
  const auto grace_end = std::chrono::system_clock::now() + grace;
  const bool clean = service_.Drain(grace, [this] {
    return core_->Stats().engines_busy > 0 || (grpc_ && grpc_->InFlight() > 0);
  });
  // Past the grace period the process exits without waiting (ServiceMain).
  if (!clean) return false;
  // Nothing is in flight: new gRPC calls are refused, and this returns at
  // once.
  if (grpc_) grpc_->Shutdown(grace_end);
  service_.Stop();
  core_->Stop();
  return true;
}

}  // namespace ocr
