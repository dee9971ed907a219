// The request parameters of a recognition, declared once. Every consumer
// reads this table: the model server's parsers (the type of each name) and
// its metadata (descriptions and fixed values), the gateway's pass-through
// from its query to the model, and the ocr command line's flags. Tests hold
// OpenAPI, the CLI's --help and the model's metadata to it.
//
// What a value means and which values are valid for the installed engines
// (languages, page limits) stays with the model server, which checks them.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

namespace ocr {

enum class ParameterType : unsigned char { kString, kInteger };

// The values of the parameters that take one of a fixed list, first the
// default. One list for the model's parsers, its messages and its metadata.
inline constexpr std::array<std::string_view, 6> kOutputValues = {
    "text", "hocr", "alto", "tsv", "json", "pdf"};
inline constexpr std::array<std::string_view, 2> kTextLayerValues = {"ignore",
                                                                     "use"};
inline constexpr std::array<std::string_view, 2> kAutoNoneValues = {"auto",
                                                                    "none"};
inline constexpr std::array<std::string_view, 3> kDeskewValues = {
    "auto", "true", "false"};  // deskew also reads 1 and 0

struct RequestParameter {
  std::string_view name;
  ParameterType type;
  // /gateway/ocr and /gateway/jobs pass it from their query to the model.
  bool forwarded;
  // The ocr command line has --<name> (with '-' for '_') setting it.
  bool cli_flag;
  // The accepted values when they are a fixed list (the first is the
  // default); empty otherwise.
  std::span<const std::string_view> values;
  std::string_view description;
};

inline constexpr RequestParameter kRequestParameters[] = {
    {"lang",
     ParameterType::kString,
     true,
     true,
     {},
     "an installed language, several joined by '+' (eng+deu), or auto: each "
     "page's script decides"},
    {"psm",
     ParameterType::kInteger,
     true,
     true,
     {},
     "Tesseract's page segmentation mode"},
    {"dpi",
     ParameterType::kInteger,
     true,
     true,
     {},
     "the source's resolution; 0: the image's own, else estimated (PDF pages "
     "are rendered at 300)"},
    {"timeout",
     ParameterType::kInteger,
     false,
     false,
     {},
     "the request's deadline; 0 or more than the maximum: the maximum (the "
     "server's --timeout)"},
    {"output", ParameterType::kString, true, false, kOutputValues,
     "what each output element holds; any but text names its content_type "
     "in the output's parameters"},
    {"text_layer", ParameterType::kString, true, true, kTextLayerValues,
     "use: a PDF page's own text instead of OCR"},
    {"pages",
     ParameterType::kString,
     true,
     true,
     {},
     "pages of a TIFF or PDF from 1: \"2\", \"1-3,7\", \"5-\"; empty: every "
     "page"},
    {"rotate", ParameterType::kString, true, true, kAutoNoneValues,
     "auto: a page that reads badly and is turned by 90, 180 or 270 degrees "
     "is read upright"},
    {"deskew", ParameterType::kString, true, true, kDeskewValues,
     "auto: a page that reads badly is straightened and read again; true: "
     "every page is straightened first"},
    {"rescale", ParameterType::kString, true, true, kAutoNoneValues,
     "auto: text too small or too large for Tesseract is read again at a "
     "better scale"},
    {"first_page",
     ParameterType::kInteger,
     false,
     false,
     {},
     "the number of the input's first page in the document it was cut from; "
     "pages are numbered from it in hocr, alto, tsv and json"},
};

// The parameter called `name`, or nullptr.
const RequestParameter* FindRequestParameter(std::string_view name);

// "--text-layer" for "text_layer".
std::string CliFlagName(std::string_view parameter);

}  // namespace ocr
