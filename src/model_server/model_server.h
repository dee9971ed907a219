// ocr-model-server assembled: options -> engines, core, routes, HTTP server,
// metrics; and the graceful shutdown sequence.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/http_service.h"
#include "common/metrics.h"
#include "model_server/core/executor.h"
#include "model_server/core/inference_core.h"
#include "model_server/grpc/grpc_server.h"
#include "model_server/server_options.h"

namespace ocr {

class ModelServer {
 public:
  explicit ModelServer(ModelServerOptions options);
  ~ModelServer();

  // Listens (live at once), starts the I/O threads, then warms the engines
  // (ready when they are). Returns an error if either fails.
  Status Start();
  int http_port() const { return service_.port(); }
  // 0 when gRPC is off (--grpc-port=-1).
  int grpc_port() const { return grpc_ ? grpc_->port() : 0; }

  // Graceful shutdown: readiness turns false, new work is refused (503),
  // in-flight requests finish within the grace period, then everything
  // stops. Returns true when everything in flight finished in time.
  bool Shutdown();

 private:
  // Worker processes (the default) or threads, per --engine-isolation.
  std::unique_ptr<Executor> MakeExecutor(
      const std::vector<std::string>& preload) const;

  ModelServerOptions options_;
  Metrics metrics_;
  ProcessCollector process_collector_;
  std::unique_ptr<ErrorCounter> errors_;
  std::unique_ptr<HttpMetrics> http_metrics_;
  std::unique_ptr<CoreMetrics> core_metrics_;
  std::unique_ptr<InferenceCore> core_;
  Router router_;
  HttpService service_;
  HttpServiceGauges http_gauges_{service_};
  // After the service: it serves calls whose deadlines are timers on the
  // service's io_context, so it stops first.
  std::unique_ptr<GrpcServer> grpc_;
};

}  // namespace ocr
