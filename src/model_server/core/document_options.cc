#include "model_server/core/document_options.h"

#include <algorithm>
#include <charconv>

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

// The index of `value` in `names`; kInvalidArgument naming the accepted
// values otherwise.
template <size_t N>
StatusOr<size_t> Find(std::string_view parameter,
                      const std::array<std::string_view, N>& names,
                      std::string_view value) {
  std::string accepted;
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == value) return i;
    if (!accepted.empty()) accepted += ", ";
    accepted += names[i];
  }
  return InvalidArgumentError("unknown " + std::string(parameter) + " '" +
                              std::string(value) + "'; accepted: " + accepted);
}

}  // namespace

const std::vector<OutputFormatInfo>& OutputFormats() {
  static const std::vector<OutputFormatInfo> formats = {
      {OutputFormat::kText, "text", "text/plain; charset=utf-8", "txt", false},
      {OutputFormat::kHocr, "hocr", "text/html; charset=utf-8", "hocr", false},
      {OutputFormat::kAlto, "alto", "application/xml; charset=utf-8", "xml",
       false},
      {OutputFormat::kTsv, "tsv", "text/tab-separated-values; charset=utf-8",
       "tsv", false},
      {OutputFormat::kJson, "json", "application/json", "json", false},
      {OutputFormat::kPdf, "pdf", "application/pdf", "pdf", true},
  };
  return formats;
}

const OutputFormatInfo& Info(OutputFormat format) {
  for (const auto& info : OutputFormats()) {
    if (info.format == format) return info;
  }
  return OutputFormats().front();
}

StatusOr<OutputFormat> ParseOutputFormat(std::string_view name) {
  std::string accepted;
  for (const auto& info : OutputFormats()) {
    if (info.name == name) return info.format;
    if (!accepted.empty()) accepted += ", ";
    accepted += info.name;
  }
  return InvalidArgumentError("unknown output '" + std::string(name) +
                              "'; accepted: " + accepted);
}

StatusOr<TextLayer> ParseTextLayer(std::string_view name) {
  ASSIGN_OR_RETURN(const size_t i, Find("text_layer", kTextLayerNames, name));
  return static_cast<TextLayer>(i);
}

StatusOr<bool> ParseAutoNone(std::string_view parameter,
                             std::string_view value) {
  ASSIGN_OR_RETURN(const size_t i, Find(parameter, kAutoNoneNames, value));
  return i == 0;
}

StatusOr<Rotate> ParseRotate(std::string_view name) {
  ASSIGN_OR_RETURN(const size_t i, Find("rotate", kAutoNoneNames, name));
  return static_cast<Rotate>(i);
}

StatusOr<Deskew> ParseDeskew(std::string_view value) {
  if (value == "1") return Deskew::kAlways;
  if (value == "0") return Deskew::kNever;
  ASSIGN_OR_RETURN(const size_t i, Find("deskew", kDeskewNames, value));
  return static_cast<Deskew>(i);
}

std::string_view Name(TextLayer value) {
  return kTextLayerNames.at(static_cast<size_t>(value));
}
std::string_view Name(Rotate value) {
  return kAutoNoneNames.at(static_cast<size_t>(value));
}
std::string_view Name(Deskew value) {
  return kDeskewNames.at(static_cast<size_t>(value));
}

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

void AppendOptionsKey(const OcrOptions& options, std::string* key) {
  key->append(options.lang);
  key->push_back('\0');
  key->append(std::to_string(options.psm));
  key->push_back('\0');
  key->append(std::to_string(options.dpi));
  key->push_back('\0');
  key->push_back(static_cast<char>('0' + static_cast<int>(options.output)));
  key->push_back(static_cast<char>('0' + static_cast<int>(options.text_layer)));
  key->push_back(static_cast<char>('0' + static_cast<int>(options.rotate)));
  key->push_back(static_cast<char>('0' + static_cast<int>(options.deskew)));
  key->push_back(options.rescale ? '1' : '0');
  key->append(std::to_string(options.first_page));
}

}  // namespace ocr
