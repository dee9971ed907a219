// The inference core's metrics, recorded in one place: KServe's
// request_{preprocess,predict,postprocess}_seconds histograms, what was
// recognised (characters, confidence, image size), and pool gauges read from
// the recognizer at scrape time.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <mutex>
#include <string>

#include "common/metrics.h"
#include "model_server/core/recognizer.h"

namespace ocr {

class CoreMetrics : public prometheus::Collectable {
 public:
  // `errors` (not owned) is the service's request_errors_total.
  CoreMetrics(prometheus::Registry& registry, ErrorCounter* errors);

  // Where the pool gauges come from; called at every scrape.
  void SetStatsSource(std::function<RecognizerStats()> stats,
                      std::function<bool()> ready);

  void RecordPreprocess(const std::string& model, double seconds);
  void RecordPredict(const std::string& model, double seconds);
  void RecordPostprocess(const std::string& model, double seconds);
  void RecordImage(const std::string& model, const OcrResult& result);
  // A failed request, whichever protocol carried it.
  void RecordError(const std::string& model, StatusCode code);

  // Gauges: ocr_queue_depth, ocr_queue_capacity, ocr_page_seconds,
  // ocr_engines_busy,
  // ocr_engines, ocr_model_ready, ocr_result_cache_{entries,bytes,
  // capacity_bytes}; counters ocr_requests_shed_total,
  // ocr_result_cache_{hits,misses,evictions}_total.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  prometheus::Family<prometheus::Histogram>& preprocess_;
  prometheus::Family<prometheus::Histogram>& predict_;
  prometheus::Family<prometheus::Histogram>& postprocess_;
  prometheus::Family<prometheus::Counter>& characters_;
  prometheus::Family<prometheus::Counter>& images_;
  prometheus::Family<prometheus::Histogram>& confidence_;
  prometheus::Family<prometheus::Histogram>& megapixels_;
  ErrorCounter* errors_;

  mutable std::mutex mu_;
  std::function<RecognizerStats()> stats_;
  std::function<bool()> ready_;
};

}  // namespace ocr
