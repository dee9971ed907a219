#include "model_server/core/core_metrics.h"

#include <algorithm>
#include <map>

#include "common/metrics.h"

namespace ocr {
namespace {

prometheus::MetricFamily Gauge(std::string name, std::string help,
                               double value) {
  prometheus::ClientMetric metric;
  metric.gauge.value = value;
  return {std::move(name),
          std::move(help),
          prometheus::MetricType::Gauge,
          {metric}};
}

prometheus::MetricFamily Counter(std::string name, std::string help,
                                 double value) {
  prometheus::ClientMetric metric;
  metric.counter.value = value;
  return {std::move(name),
          std::move(help),
          prometheus::MetricType::Counter,
          {metric}};
}

// One family, one sample per label value.
prometheus::MetricFamily Labelled(std::string name, std::string help,
                                  prometheus::MetricType type,
                                  const std::string& label,
                                  const std::map<std::string, double>& values) {
  prometheus::MetricFamily family{std::move(name), std::move(help), type, {}};
  for (const auto& [value, number] : values) {
    prometheus::ClientMetric metric;
    metric.label.push_back({label, value});
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = number;
    } else {
      metric.gauge.value = number;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

CoreMetrics::CoreMetrics(prometheus::Registry& registry, ErrorCounter* errors)
    : preprocess_(prometheus::BuildHistogram()
                      .Name("request_preprocess_seconds")
                      .Help("Time decoding a request (JSON, base64, protobuf).")
                      .Register(registry)),
      predict_(prometheus::BuildHistogram()
                   .Name("request_predict_seconds")
                   .Help("Time from queueing a request's images to their "
                         "last result, failures included.")
                   .Register(registry)),
      postprocess_(prometheus::BuildHistogram()
                       .Name("request_postprocess_seconds")
                       .Help("Time encoding a response.")
                       .Register(registry)),
      characters_(prometheus::BuildCounter()
                      .Name("ocr_characters_recognized_total")
                      .Help("Non-space characters recognised.")
                      .Register(registry)),
      images_(prometheus::BuildCounter()
                  .Name("ocr_images_recognized_total")
                  .Help("Images recognised successfully.")
                  .Register(registry)),
      confidence_(prometheus::BuildHistogram()
                      .Name("ocr_mean_word_confidence")
                      .Help("Tesseract's mean word confidence per image, "
                            "0-100.")
                      .Register(registry)),
      megapixels_(prometheus::BuildHistogram()
                      .Name("ocr_image_megapixels")
                      .Help("Size of recognised images in megapixels.")
                      .Register(registry)),
      errors_(errors) {}

void CoreMetrics::SetStatsSource(std::function<RecognizerStats()> stats,
                                 std::function<bool()> ready) {
  std::lock_guard lock(mu_);
  stats_ = std::move(stats);
  ready_ = std::move(ready);
}

void CoreMetrics::RecordPreprocess(const std::string& model, double seconds) {
  preprocess_.Add({{"model_name", model}}, LatencyBuckets()).Observe(seconds);
}

void CoreMetrics::RecordPredict(const std::string& model, double seconds) {
  predict_.Add({{"model_name", model}}, LatencyBuckets()).Observe(seconds);
}

void CoreMetrics::RecordPostprocess(const std::string& model, double seconds) {
  postprocess_.Add({{"model_name", model}}, LatencyBuckets()).Observe(seconds);
}

void CoreMetrics::RecordImage(const std::string& model,
                              const OcrResult& result) {
  characters_.Add({{"model_name", model}})
      .Increment(static_cast<double>(result.characters));
  // A searchable PDF's result stands for all its pages.
  images_.Add({{"model_name", model}}).Increment(std::max(1, result.pages));
  confidence_
      .Add({{"model_name", model}},
           prometheus::Histogram::BucketBoundaries{10, 20, 30, 40, 50, 60, 70,
                                                   80, 90, 95, 100})
      .Observe(result.mean_confidence);
  megapixels_
      .Add({{"model_name", model}},
           prometheus::Histogram::BucketBoundaries{0.1, 0.25, 0.5, 1, 2, 4, 8,
                                                   12, 16, 25, 50, 100})
      .Observe(static_cast<double>(result.width) * result.height / 1e6);
}

void CoreMetrics::RecordError(const std::string& model, StatusCode code) {
  errors_->Count(model, std::string(StatusCodeName(code)));
}

std::vector<prometheus::MetricFamily> CoreMetrics::Collect() const {
  std::lock_guard lock(mu_);
  std::vector<prometheus::MetricFamily> out;
  if (!stats_) return out;
  const RecognizerStats s = stats_();
  out.push_back(Gauge("ocr_queue_depth",
                      "Pages of admitted requests waiting for an engine "
                      "(--max-queue bounds it).",
                      s.queue_depth));
  out.push_back(Gauge("ocr_queue_capacity",
                      "Pages that may wait before requests are refused.",
                      s.queue_capacity));
  out.push_back(Gauge("ocr_page_seconds",
                      "Engine seconds a page has been taking (moving "
                      "average; admission estimates deadlines with it).",
                      s.page_seconds));
  out.push_back(Counter("ocr_requests_shed_total",
                        "Admitted requests dropped because the engines "
                        "turned out too slow for their deadline: 503 when "
                        "none of their pages had started, else 504.",
                        static_cast<double>(s.requests_shed)));
  out.push_back(Gauge("ocr_queue_images",
                      "Images (units of work) not yet handed to an engine.",
                      s.units_waiting));
  out.push_back(
      Gauge("ocr_engines_busy", "Engines recognising now.", s.engines_busy));
  out.push_back(Gauge("ocr_engines", "Warm OCR engines.", s.engines_total));
  out.push_back(Gauge("ocr_engines_alive",
                      "Engines able to take work (their worker process lives).",
                      s.engines_alive));
  std::map<std::string, double> restarts;
  for (const auto& [reason, n] : s.worker_restarts) {
    restarts[reason] = static_cast<double>(n);
  }
  out.push_back(Labelled(
      "ocr_worker_restarts_total",
      "Engine worker processes replaced, by reason: crash, timeout (killed "
      "past the deadline), recycled (--worker-max-requests), memory "
      "(--worker-max-rss).",
      prometheus::MetricType::Counter, "reason", restarts));
  std::map<std::string, double> rss;
  for (size_t i = 0; i < s.worker_rss_bytes.size(); ++i) {
    rss[std::to_string(i)] = static_cast<double>(s.worker_rss_bytes[i]);
  }
  out.push_back(Labelled("ocr_worker_resident_memory_bytes",
                         "Resident memory of each engine worker process, "
                         "after its last image (0 while it restarts).",
                         prometheus::MetricType::Gauge, "worker", rss));
  out.push_back(Gauge("ocr_model_ready", "1 when the model serves requests.",
                      ready_ && ready_() ? 1 : 0));
  // The result cache (--result-cache-mb); all 0 when it is off.
  out.push_back(Counter("ocr_result_cache_hits_total",
                        "Images answered from the result cache.",
                        static_cast<double>(s.cache_hits)));
  out.push_back(Counter("ocr_result_cache_misses_total",
                        "Result cache lookups that found nothing.",
                        static_cast<double>(s.cache_misses)));
  out.push_back(Counter("ocr_result_cache_evictions_total",
                        "Results dropped from the cache to make room.",
                        static_cast<double>(s.cache_evictions)));
  out.push_back(Gauge("ocr_result_cache_entries", "Results in the cache.",
                      static_cast<double>(s.cache_entries)));
  out.push_back(Gauge("ocr_result_cache_bytes",
                      "Bytes the cached results are charged.",
                      static_cast<double>(s.cache_bytes)));
  out.push_back(Gauge("ocr_result_cache_capacity_bytes",
                      "Byte budget of the result cache (0: off).",
                      static_cast<double>(s.cache_capacity_bytes)));
  return out;
}

}  // namespace ocr
