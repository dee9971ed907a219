#include "model_server/core/document_output.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/json_writer.h"
#include "model_server/core/tesseract_engine.h"

namespace ocr {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Tesseract 5's TessHOcrRenderer head and tail, title empty.
std::string HocrHead() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
         "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
         "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" "
         "lang=\"en\">\n <head>\n  <title></title>\n"
         "  <meta http-equiv=\"Content-Type\" content=\"text/html;"
         "charset=utf-8\"/>\n"
         "  <meta name='ocr-system' content='tesseract " +
         TesseractVersion() +
         "' />\n"
         "  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par "
         "ocr_line ocrx_word ocrp_wconf'/>\n"
         " </head>\n <body>\n";
}
constexpr std::string_view kHocrTail = " </body>\n</html>\n";

// Tesseract 5's TessAltoRenderer head and tail, file name empty.
std::string AltoHead() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v3#\" "
         "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v3# "
         "http://www.loc.gov/alto/v3/alto-3-0.xsd\">\n"
         "\t<Description>\n"
         "\t\t<MeasurementUnit>pixel</MeasurementUnit>\n"
         "\t\t<sourceImageInformation>\n"
         "\t\t\t<fileName></fileName>\n"
         "\t\t</sourceImageInformation>\n"
         "\t\t<OCRProcessing ID=\"OCR_0\">\n"
         "\t\t\t<ocrProcessingStep>\n"
         "\t\t\t\t<processingSoftware>\n"
         "\t\t\t\t\t<softwareName>tesseract " +
         TesseractVersion() +
         "</softwareName>\n"
         "\t\t\t\t</processingSoftware>\n"
         "\t\t\t</ocrProcessingStep>\n"
         "\t\t</OCRProcessing>\n"
         "\t</Description>\n"
         "\t<Layout>\n";
}
constexpr std::string_view kAltoTail = "\t</Layout>\n</alto>\n";

constexpr std::string_view kTsvHead =
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\t"
    "width\theight\tconf\ttext\n";

}  // namespace

int64_t CountNonSpace(std::string_view text) {
  return static_cast<int64_t>(
      std::count_if(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u & 0xC0) != 0x80 && !std::isspace(u);
      }));
}

std::string PageJson(const PageFacts& facts, const OcrResult& result,
                     std::string_view blocks_json) {
  std::string out =
      "{\"page\":" + std::to_string(facts.index + 1) +
      ",\"width\":" + std::to_string(result.width) +
      ",\"height\":" + std::to_string(result.height) +
      ",\"rotation\":" + std::to_string(facts.rotation) +
      ",\"skew\":" + Number(facts.skew) + ",\"scale\":" + Number(facts.scale) +
      ",\"source\":" + (facts.from_text_layer ? "\"text_layer\"" : "\"ocr\"") +
      (facts.lang.empty() ? "" : ",\"lang\":\"" + facts.lang + "\"") +
      ",\"mean_conf\":" + Number(result.mean_confidence) + ",\"text\":";
  json::AppendString(out, result.text);
  out += ",\"blocks\":";
  out += blocks_json.empty() ? std::string_view("[]") : blocks_json;
  out += "}";
  return out;
}

OcrResult SummarizePages(const std::vector<OcrResult>& pages) {
  OcrResult doc;
  doc.pages = static_cast<int>(pages.size());
  double weighted = 0;
  for (const OcrResult& p : pages) {
    doc.width = std::max(doc.width, p.width);
    doc.height += p.height;
    doc.characters += p.characters;
    weighted += p.mean_confidence * static_cast<double>(p.characters);
  }
  doc.mean_confidence =
      doc.characters > 0 ? weighted / static_cast<double>(doc.characters) : 0;
  return doc;
}

OcrResult AssembleDocument(OutputFormat format, std::vector<OcrResult> pages) {
  if (pages.size() == 1 &&
      (format == OutputFormat::kText || format == OutputFormat::kPdf)) {
    return std::move(pages.front());
  }
  OcrResult doc = SummarizePages(pages);
  size_t bytes = 0;
  for (const auto& p : pages) bytes += p.text.size() + 1;
  std::string& out = doc.text;
  out.reserve(bytes + 2048);
  switch (format) {
    case OutputFormat::kHocr:
      out = HocrHead();
      break;
    case OutputFormat::kAlto:
      out = AltoHead();
      break;
    case OutputFormat::kTsv:
      out = kTsvHead;
      break;
    case OutputFormat::kJson:
      out = "{\"pages\":[";
      break;
    case OutputFormat::kText:
    case OutputFormat::kPdf:
      break;
  }
  for (size_t i = 0; i < pages.size(); ++i) {
    if (i > 0 && format == OutputFormat::kText) out.push_back('\f');
    if (i > 0 && format == OutputFormat::kJson) out.push_back(',');
    out += pages[i].text;
  }
  switch (format) {
    case OutputFormat::kHocr:
      out += kHocrTail;
      break;
    case OutputFormat::kAlto:
      out += kAltoTail;
      break;
    case OutputFormat::kJson:
      out += "]}";
      break;
    default:
      break;
  }
  return doc;
}

}  // namespace ocr
