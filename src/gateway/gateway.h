// ocr-gateway assembled: options -> model client, routes, HTTP server,
// metrics; and the graceful shutdown sequence.
#pragma once

#include <atomic>
#include <memory>

#include "common/http_service.h"
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
  int port() const { return service_.port(); }

  // SIGTERM: /readyz turns 503, in-flight requests finish within the grace
  // period, then everything stops. True when all finished in time.
  bool Shutdown();

 private:
  GatewayOptions options_;
  Metrics metrics_;
  ProcessCollector process_collector_;
  std::unique_ptr<HttpMetrics> http_metrics_;
  std::unique_ptr<UpstreamMetrics> upstream_metrics_;
  HttpService service_;
  std::unique_ptr<ModelClient> client_;
  std::atomic<bool> ready_{false};
  Router router_;
};

}  // namespace ocr
