// The options about documents and results, in one place: the output formats
// (name, media type, file extension), the text-layer choice and the page
// selection (common/page_selection.h, included). The front ends and the core
// use these; the gateway learns an output's media type from the model's answer.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/page_selection.h"  // SelectPages, CheckPageSpec
#include "common/request_parameters.h"
#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

struct OutputFormatInfo {
  OutputFormat format;
  std::string_view name;        // the `output` parameter's value
  std::string_view media_type;  // of the document, e.g. application/pdf
  std::string_view extension;   // of a file holding it, e.g. "pdf"
  bool binary;                  // base64 in V2 JSON
};

// The values of the choices (common/request_parameters.h), indexed by their
// enum (TextLayer, Rotate, Deskew; rescale reads "auto" as true).
std::string_view Name(TextLayer value);
std::string_view Name(Rotate value);
std::string_view Name(Deskew value);

// Every output format, text first.
const std::vector<OutputFormatInfo>& OutputFormats();
const OutputFormatInfo& Info(OutputFormat format);
// kInvalidArgument naming the accepted values.
StatusOr<OutputFormat> ParseOutputFormat(std::string_view name);
StatusOr<TextLayer> ParseTextLayer(std::string_view name);
StatusOr<Rotate> ParseRotate(std::string_view name);
// "auto" (true) or "none" (false), for `rescale`.
StatusOr<bool> ParseAutoNone(std::string_view parameter,
                             std::string_view value);
// "auto", "true" or "false" (also 1 and 0), for `deskew`.
StatusOr<Deskew> ParseDeskew(std::string_view value);

}  // namespace ocr
