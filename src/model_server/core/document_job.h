// One request's way through the recognizer, as units of work: first the
// pages of its multi-page inputs (TIFF, PDF) are counted, each input by one
// unit; then every selected page of every input is a unit of its own, so a
// document's pages run in parallel on idle engines, interleaved fairly with
// other requests (Admission::kContinuation), and each input's pages are
// assembled in page order (document_output.h). Single images skip the count.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model_server/core/core_metrics.h"
#include "model_server/core/recognizer.h"
#include "model_server/core/types.h"

namespace ocr {

struct JobSettings {
  std::string model_name;
  std::string pages;    // the `pages` selection; empty: every page
  int max_pages = 200;  // per input, unless `pages` narrows it: 413
};

using JobDone = std::function<void(StatusOr<InferResponse>)>;

// Starts the job; `done` is called exactly once, possibly before this
// returns (an error at admission), with every input's result in order or
// the first error. `recognizer` and `metrics` must outlive the job.
void StartDocumentJob(Recognizer& recognizer, CoreMetrics& metrics,
                      JobSettings settings, InferRequest request,
                      OcrOptions options, Clock::time_point start,
                      JobDone done);

}  // namespace ocr
