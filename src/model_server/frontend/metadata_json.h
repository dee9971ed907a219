// The V2 metadata documents: the server's (GET /v2), the model's
// (GET /v2/models/{model}) and the model repository's (GET /v2/models,
// POST /v2/repository/index). The protocol's fields, plus what a client needs
// to know before sending a request: the Tesseract version, the installed
// languages and every request parameter with its accepted values.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "model_server/core/inference_core.h"

namespace ocr {

// The V2 extensions this server implements, for every front end's server
// metadata (REST `GET /v2`, gRPC ServerMetadata).
inline constexpr std::array<std::string_view, 3> kV2Extensions = {
    "binary_tensor_data", "model_repository", "statistics"};

struct ServerIdentity {
  std::string name = "ocr-model-server";
  std::string version;
};

// {"name","version","extensions","tesseract_version","languages"}.
std::string ServerMetadataJson(const ServerIdentity& identity,
                               const CoreOptions& options,
                               std::string_view tesseract_version);

// {"name","versions","platform","inputs","outputs","parameters"}; the
// parameters describe what a request's `parameters` may hold.
std::string ModelMetadataJson(const CoreOptions& options);

// KServe's model list: {"models":["ocr-model"]}.
std::string ModelListJson(const CoreOptions& options);

// Triton's repository index: [{"name","version","state"}], state READY or
// UNAVAILABLE.
std::string RepositoryIndexJson(const CoreOptions& options, bool ready);

}  // namespace ocr
