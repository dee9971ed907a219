// ocr-gateway assembled: options -> model client, routes, HTTP server,
// metrics; and the graceful shutdown sequence.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/http_server.h"
#include "common/metrics.h"
#include "gateway/gateway_options.h"
#include "gateway/model_client.h"
#include "gateway/upstream_metrics.h"

namespace ocr {

class Gateway {
 public:
  explicit Gateway(GatewayOptions options);
  ~Gateway();

  // Listens and starts serving; ready at once (see docs on /readyz).
  Status Start();
  int port() const { return http_->port(); }

  // SIGTERM: /readyz turns 503, in-flight requests finish within the grace
  // period, then everything stops. True when all finished in time.
  bool Shutdown();

 private:
  GatewayOptions options_;
  Metrics metrics_;
  ProcessCollector process_collector_;
  std::unique_ptr<HttpMetrics> http_metrics_;
  std::unique_ptr<UpstreamMetrics> upstream_metrics_;
  net::io_context ioc_;
  std::unique_ptr<ModelClient> client_;
  std::atomic<bool> ready_{false};
  Router router_;
  std::unique_ptr<HttpServer> http_;
  std::vector<std::thread> io_threads_;
};

}  // namespace ocr
