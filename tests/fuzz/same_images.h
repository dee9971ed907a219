// Whether two decoded requests hold the same image bytes, in order.
#pragma once

#include <vector>

#include "model_server/core/types.h"

inline bool SameImages(const std::vector<ocr::FileRef>& a,
                       const std::vector<ocr::FileRef>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i]->bytes() != b[i]->bytes()) return false;
  }
  return true;
}
