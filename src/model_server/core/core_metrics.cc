#include "model_server/core/core_metrics.h"

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

}  // namespace

CoreMetrics::CoreMetrics(prometheus::Registry& registry)
    : preprocess_(prometheus::BuildHistogram()
                      .Name("request_preprocess_seconds")
                      .Help("Time decoding a request (JSON, base64).")
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
                      .Register(registry)) {}

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
  images_.Add({{"model_name", model}}).Increment();
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

std::vector<prometheus::MetricFamily> CoreMetrics::Collect() const {
  std::lock_guard lock(mu_);
  std::vector<prometheus::MetricFamily> out;
  if (!stats_) return out;
  const RecognizerStats s = stats_();
  out.push_back(
      Gauge("ocr_queue_depth", "Images waiting for an engine.", s.queue_depth));
  out.push_back(Gauge("ocr_queue_capacity",
                      "Images that may wait before requests are refused.",
                      s.queue_capacity));
  out.push_back(
      Gauge("ocr_engines_busy", "Engines recognising now.", s.engines_busy));
  out.push_back(Gauge("ocr_engines", "Warm OCR engines.", s.engines_total));
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
