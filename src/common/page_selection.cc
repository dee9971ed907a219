// The `pages` parser of page_selection.h.
#include "common/page_selection.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

namespace ocr {
namespace {

// Parses a positive page number; false when `text` is not one.
bool ParsePage(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 9) return false;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 1;
}

struct Range {
  int64_t first = 1;
  int64_t last = 0;  // 0: to the end
};

StatusOr<std::vector<Range>> ParseSpec(std::string_view spec) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("parameter 'pages' ('" + std::string(spec) +
                                "') " + std::string(why) +
                                "; use page numbers and ranges from 1, such "
                                "as \"2\", \"1-3,7\" or \"5-\"");
  };
  std::vector<Range> ranges;
  if (spec.size() > 1000) return bad("is too long");
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view item = spec.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    Range r;
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!ParsePage(item, &r.first)) return bad("is not a page list");
      r.last = r.first;
    } else {
      if (!ParsePage(item.substr(0, dash), &r.first)) {
        return bad("is not a page list");
      }
      const std::string_view tail = item.substr(dash + 1);
      if (!tail.empty()) {
        if (!ParsePage(tail, &r.last)) return bad("is not a page list");
        if (r.last < r.first) return bad("has a range that runs backwards");
      }
    }
    ranges.push_back(r);
    start = comma + 1;
  }
  return ranges;
}

}  // namespace

Status CheckPageSpec(std::string_view spec) {
  if (spec.empty()) return OkStatus();
  return ParseSpec(spec).status();
}

StatusOr<std::vector<int>> SelectPages(std::string_view spec, int page_count) {
  std::vector<int> pages;
  if (spec.empty()) {
    pages.resize(static_cast<size_t>(page_count));
    for (int i = 0; i < page_count; ++i) pages[static_cast<size_t>(i)] = i;
    return pages;
  }
  ASSIGN_OR_RETURN(std::vector<Range> ranges, ParseSpec(spec));
  for (const Range& r : ranges) {
    if (r.first > page_count || r.last > page_count) {
      const int64_t past = r.last > page_count ? r.last : r.first;
      return InvalidArgumentError(
          "parameter 'pages' asks for page " + std::to_string(past) +
          " but the document has " + std::to_string(page_count) +
          (page_count == 1 ? " page" : " pages"));
    }
    const int64_t last = r.last == 0 ? page_count : r.last;
    for (int64_t p = r.first; p <= last; ++p) {
      pages.push_back(static_cast<int>(p - 1));
    }
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  return pages;
}

}  // namespace ocr
