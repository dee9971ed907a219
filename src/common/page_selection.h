// The `pages` parameter's syntax and what it selects: one parser for the
// model service (which reads the selected pages of a TIFF or PDF) and the
// gateway (which splits a document into those pages), so that both select
// exactly the same pages and refuse the same specs with the same words.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"

namespace ocr {

// The pages `spec` selects ("2", "1-3,7", "5-"; 1-based, as a user counts)
// of a document of `page_count` pages, as sorted 0-based indices without
// duplicates. An empty spec selects every page. A page past the end:
// kInvalidArgument naming the page count.
StatusOr<std::vector<int>> SelectPages(std::string_view spec, int page_count);
// Whether `spec` is well formed (checked before the page count is known).
Status CheckPageSpec(std::string_view spec);

}  // namespace ocr
