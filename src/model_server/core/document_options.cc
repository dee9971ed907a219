#include "model_server/core/document_options.h"

namespace ocr {
namespace {

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
      // Named as the `output` parameter's values, in their order.
      {OutputFormat::kText, kOutputValues[0], "text/plain; charset=utf-8",
       "txt", false},
      {OutputFormat::kHocr, kOutputValues[1], "text/html; charset=utf-8",
       "hocr", false},
      {OutputFormat::kAlto, kOutputValues[2], "application/xml; charset=utf-8",
       "xml", false},
      {OutputFormat::kTsv, kOutputValues[3],
       "text/tab-separated-values; charset=utf-8", "tsv", false},
      {OutputFormat::kJson, kOutputValues[4], "application/json", "json",
       false},
      {OutputFormat::kPdf, kOutputValues[5], "application/pdf", "pdf", true},
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
  ASSIGN_OR_RETURN(const size_t i, Find("text_layer", kTextLayerValues, name));
  return static_cast<TextLayer>(i);
}

StatusOr<bool> ParseAutoNone(std::string_view parameter,
                             std::string_view value) {
  ASSIGN_OR_RETURN(const size_t i, Find(parameter, kAutoNoneValues, value));
  return i == 0;
}

StatusOr<Rotate> ParseRotate(std::string_view name) {
  ASSIGN_OR_RETURN(const size_t i, Find("rotate", kAutoNoneValues, name));
  return static_cast<Rotate>(i);
}

StatusOr<Deskew> ParseDeskew(std::string_view value) {
  if (value == "1") return Deskew::kAlways;
  if (value == "0") return Deskew::kNever;
  ASSIGN_OR_RETURN(const size_t i, Find("deskew", kDeskewValues, value));
  return static_cast<Deskew>(i);
}

std::string_view Name(TextLayer value) {
  return kTextLayerValues.at(static_cast<size_t>(value));
}
std::string_view Name(Rotate value) {
  return kAutoNoneValues.at(static_cast<size_t>(value));
}
std::string_view Name(Deskew value) {
  return kDeskewValues.at(static_cast<size_t>(value));
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
