// Routes of the KServe REST protocols: V2 (Open Inference Protocol) and V1,
// plus `GET /`. Each handler translates the wire format and calls the core.
#pragma once

#include <string>

#include "common/http_router.h"
#include "model_server/core/inference_core.h"

namespace ocr {

struct ServerIdentity {
  std::string name = "ocr-model-server";
  std::string version;
};

// `core` is not owned and must outlive the router.
void AddV2Routes(Router& router, InferenceCore& core,
                 const ServerIdentity& identity);
void AddV1Routes(Router& router, InferenceCore& core);

}  // namespace ocr
