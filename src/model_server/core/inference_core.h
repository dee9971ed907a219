// The inference core: model identity, option validation, batching of a
// request's images across the recognizer, and the core's metrics. Knows no
// wire format. Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model_server/core/core_metrics.h"
#include "model_server/core/inference_call.h"
#include "model_server/core/model_stats.h"
#include "model_server/core/recognizer.h"
#include "model_server/core/types.h"

namespace ocr {

struct CoreOptions {
  std::string model_name = "ocr-model";
  std::string model_version = "1";
  std::string default_lang = "eng";
  std::vector<std::string> installed_languages = {"eng"};
  // Deadline of a request that asks for none, and the most it may ask for.
  std::chrono::milliseconds max_timeout{60000};
  // More images in one request: kPayloadTooLarge.
  int max_images_per_request = 64;
  // More pages in one input, unless `pages` selects fewer: kPayloadTooLarge.
  int max_pages = 200;
  // Engines recognising at once (reported in the model's metadata, so the
  // gateway sends each model process as many pages as it can read).
  int engines = 0;
};

// What `psm` and `dpi` accept: a page segmentation mode 0-kMaxPsm other
// than kUnsupportedPsm (not implemented by Tesseract), and a resolution
// kMinDpi-kMaxDpi or 0 (the image's own, else estimated).
inline constexpr int kMaxPsm = 13;
inline constexpr int kUnsupportedPsm = 2;
inline constexpr int kMinDpi = 70;
inline constexpr int kMaxDpi = 2400;
// The largest `first_page`.
inline constexpr int kMaxFirstPage = 1 << 30;
constexpr bool ValidPsm(int64_t psm) {
  return psm >= 0 && psm <= kMaxPsm && psm != kUnsupportedPsm;
}
constexpr bool ValidDpi(int64_t dpi) {
  return dpi == 0 || (dpi >= kMinDpi && dpi <= kMaxDpi);
}

// kInvalidArgument unless every language of `lang` ("eng", "eng+deu") is
// installed; the message lists the installed ones.
Status CheckLanguage(std::string_view lang,
                     const std::vector<std::string>& installed);

class InferenceCore {
 public:
  using Done = std::function<void(StatusOr<InferResponse>)>;

  // `metrics` is not owned and must outlive the core. Deadlines of Call()
  // are timers on `timers` (the HTTP service's io_context).
  InferenceCore(CoreOptions options, std::unique_ptr<Recognizer> recognizer,
                CoreMetrics* metrics, boost::asio::any_io_executor timers);
  ~InferenceCore();

  // Warms the engines; Ready() turns true when it returns OK.
  Status Start();
  // Started, not shutting down, and at least one engine able to work.
  bool Ready() const {
    return ready_.load() && recognizer_->Stats().engines_alive > 0;
  }
  // Graceful shutdown: Ready() turns false and new requests get
  // kUnavailable; queued and running work continues.
  void BeginShutdown();
  // Waits for queued and running recognitions, then stops the engines.
  void Stop();

  const CoreOptions& options() const { return options_; }
  CoreMetrics& metrics() { return *metrics_; }
  RecognizerStats Stats() const { return recognizer_->Stats(); }
  ModelStatsSnapshot ModelStatistics() const {
    return stats_.Snapshot(recognizer_->Stats());
  }

  // Before a request's body is read: kUnavailable when it would be refused
  // for the queue (a one-page request with the longest deadline would not
  // be admitted), when not ready or shutting down.
  Status CheckRoom() const;
  // kNotFound unless `name` (and `version`, when not empty) is served.
  Status CheckModel(std::string_view name, std::string_view version) const;
  // Applies defaults and validates (kInvalidArgument naming the problem).
  StatusOr<OcrOptions> ResolveOptions(const RequestedOptions& requested) const;
  // The request's deadline: `received` plus the requested timeout, capped at
  // max_timeout.
  Clock::time_point Deadline(Clock::time_point received,
                             std::optional<int64_t> timeout_us) const;

  // The request policy of every front end, in one place:
  //  1. kNotFound for a model (or version) not served, before decoding;
  //  2. `decode`, timed as request_preprocess_seconds;
  //  3. the response id defaults to info.request_id;
  //  4. the deadline is the earliest of the client's, the `timeout`
  //     parameter and --timeout-seconds; when it passes first, the call ends
  //     with kDeadlineExceeded and the request's recognitions are cancelled;
  //  5. `encode`, timed as request_postprocess_seconds;
  //  6. every failure is counted in request_errors_total{model_name,reason}
  //     and in the model's statistics;
  //  7. an exception `decode`, `encode` or the recognition lets out ends
  //     the call with kInternal (REST 500, gRPC INTERNAL), never strands it.
  // `finish` is called exactly once, possibly before Call returns.
  void Call(CallInfo info, CallDecoder decode, CallEncoder encode,
            CallFinish finish);

  // Recognises every image of `request` in parallel; `done` is called exactly
  // once (possibly before Infer returns) with all texts in order, or with the
  // first error: kInvalidArgument, kNotFound, kPayloadTooLarge, kUnavailable
  // (not ready, queue full, shutting down), kDeadlineExceeded, kInternal.
  void Infer(InferRequest request, Done done);

 private:
  const CoreOptions options_;
  std::unique_ptr<Recognizer> recognizer_;
  CoreMetrics* metrics_;
  boost::asio::any_io_executor timers_;
  ModelStats stats_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace ocr
