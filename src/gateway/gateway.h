// ocr-gateway assembled: options -> model client, routes, HTTP server,
// metrics; and the graceful shutdown sequence.
#pragma once

#include <atomic>
#include <memory>

#include "common/http_service.h"
#include "common/metrics.h"
#include "gateway/api_keys.h"
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
  std::unique_ptr<ModelClient> client_;
};

}  // namespace ocr
