// Routes of the KServe REST protocols: V2 (Open Inference Protocol) and V1,
// plus `GET /`. Each handler translates the wire format and calls the core.
#pragma once

#include <string>

#include "common/http_router.h"
#include "model_server/core/inference_core.h"
#include "model_server/frontend/metadata_json.h"

namespace ocr {

// `core` is not owned and must outlive the router.
void AddV2Routes(Router& router, InferenceCore& core,
                 const ServerIdentity& identity);
void AddV1Routes(Router& router, InferenceCore& core);

}  // namespace ocr
