// The worker's service loop: answers kRecognize frames on `fd` until the
// server closes it. A reader thread takes frames off the socket so that a
// kCancel reaches the engine while it recognises.
#pragma once

#include <string_view>

#include "model_server/core/thread_executor.h"

namespace ocr::worker {

// Returns the process exit code: 0 when the server closed the socket.
// `max_page_pixels` (its --max-image-pixels) bounds each answer
// (MaxResultBytes): a larger result is answered as an error (413).
int ServeUnits(int fd, EngineSet& engines, int64_t max_page_pixels);

// Test builds only (faults.cc; release builds link no_faults.cc): when
// `image` asks for a fault ("OCR-FAULT:abort", ...), acts it out and returns
// true with *result set if the fault returns at all.
bool InjectFault(std::string_view image, StatusOr<OcrResult>* result);

}  // namespace ocr::worker
