// Release builds: no way for a request to make the worker fail on purpose.
#include "model_server/worker/worker_loop.h"

namespace ocr::worker {

bool InjectFault(std::string_view, StatusOr<OcrResult>*) { return false; }

}  // namespace ocr::worker
