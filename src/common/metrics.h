// Prometheus metrics shared by both services: the registry and /metrics
// serialization, process metrics, and the HTTP request metrics recorded at the
// server's one seam (HttpMetrics is the HttpObserver).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_server.h"

namespace ocr {

// Latency buckets in seconds: KServe's defaults (5 ms .. 10 s) plus 15, 20,
// 30, 45 and 60 s, so OCR of large pages is resolved and KServe's PromQL
// keeps working.
const std::vector<double>& LatencyBuckets();

// Owns the registry and any pull-time collectors; serializes /metrics.
class Metrics {
 public:
  Metrics();
  prometheus::Registry& registry() { return *registry_; }
  // Adds a collector evaluated at every scrape. Not owned; must outlive this.
  void AddCollector(prometheus::Collectable* collector);
  // The Prometheus text exposition of everything registered.
  std::string Serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<prometheus::Collectable*> collectors_;
};

// process_* metrics read from /proc at scrape time (CPU seconds, resident and
// virtual memory, open and max file descriptors, start time, threads).
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// request_errors_total{model_name,reason}: failed inference requests. One per
// service, shared by whatever decides a request failed (the HTTP seam for
// errors before a handler ran, the model server's inference core for every
// protocol), so an error is counted once and the same way everywhere.
// model_name is the served model's name, or kUnknownModelLabel for any name
// a client sent that is not served (one series, however many names).
inline constexpr std::string_view kUnknownModelLabel = "unknown";
class ErrorCounter {
 public:
  ErrorCounter(prometheus::Registry& registry, std::string served_model);
  void Count(const std::string& model_name, const std::string& reason);

 private:
  const std::string served_model_;
  prometheus::Family<prometheus::Counter>& errors_;
};

// The reference gateway's HTTP metric names (prometheus-fastapi-
// instrumentator), used by both services, plus request_errors_total.
class HttpMetrics : public HttpObserver {
 public:
  // `default_model_name` labels errors on inference routes without a
  // {model} route parameter. Errors on inference routes go to `errors` (not
  // owned) unless the handler says another component counted them
  // (RequestContext::error_counted).
  HttpMetrics(prometheus::Registry& registry, std::string default_model_name,
              ErrorCounter* errors);
  void OnRequestDone(const RequestRecord& record) override;

 private:
  std::string default_model_name_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Histogram>& duration_highr_;
  prometheus::Family<prometheus::Summary>& request_size_;
  prometheus::Family<prometheus::Summary>& response_size_;
  ErrorCounter* errors_;
};

}  // namespace ocr
