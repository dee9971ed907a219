// The gateway's web page (and its script jobs.js), its API documentation
// page and its OpenAPI document, compiled into the binary (src/gateway/web/,
// embedded by cmake/EmbedFiles.cmake at build time).
#pragma once

#include <optional>
#include <string_view>

namespace ocr {

struct WebAsset {
  std::string_view body;          // the file's bytes; static storage
  std::string_view content_type;  // e.g. "text/html; charset=utf-8"
};

// Assets by file name ("index.html", "jobs.js", "docs.html", "openapi.json");
// nullopt when unknown. Thread-safe: the assets are immutable.
std::optional<WebAsset> FindWebAsset(std::string_view name);

}  // namespace ocr
