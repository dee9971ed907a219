#include "gateway/web_assets.h"

#include "ocr_gateway_assets_embedded.h"

namespace ocr {

std::optional<WebAsset> FindWebAsset(std::string_view name) {
  const auto file = web_assets_embedded::FindEmbeddedFile(name);
  if (!file) return std::nullopt;
  return WebAsset{file->body, file->content_type};
}

}  // namespace ocr
