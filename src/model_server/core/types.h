// Protocol-neutral request and response types of the inference core. The REST
// (and later gRPC) front ends translate their wire formats to and from these.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ocr {

using Clock = std::chrono::steady_clock;

// Options of one recognition, after defaults were applied and validated.
struct OcrOptions {
  std::string lang = "eng";  // installed language(s), "a+b" combines
  int psm = 3;               // Tesseract page segmentation mode (3 = auto)
  int dpi = 0;               // source resolution; 0 = from image or estimated
};

// Options as a client sent them; unset fields take the server's defaults.
struct RequestedOptions {
  std::optional<std::string> lang;
  std::optional<int64_t> psm;
  std::optional<int64_t> dpi;
  std::optional<int64_t> timeout_us;  // Triton's `timeout` parameter
};

struct OcrResult {
  std::string text;
  int width = 0;
  int height = 0;
  double mean_confidence = 0;  // Tesseract's mean word confidence, 0..100
  int64_t characters = 0;      // non-space characters recognised
};

// Set by the front end when the client's deadline passes, so queued or
// running recognitions of that request stop early.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

struct InferRequest {
  std::string id;  // echoed in the response; empty: one is generated
  std::string model_name;
  std::string model_version;        // empty: the current version
  std::vector<std::string> images;  // encoded image files (PNG, JPEG, ...)
  RequestedOptions options;
  Clock::time_point deadline = Clock::time_point::max();
  CancelFlag cancelled = std::make_shared<std::atomic<bool>>(false);
};

struct InferResponse {
  std::string id;
  std::string model_name;
  std::vector<OcrResult> results;  // one per input image, in order
};

}  // namespace ocr
