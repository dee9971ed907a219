#include "gateway/jobs/page_output.h"

#include <simdjson.h>

#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include "common/base64.h"
#include "common/json_writer.h"

namespace ocr::jobs {
namespace {

constexpr std::string_view kJsonHead = "{\"pages\":[";
constexpr std::string_view kJsonTail = "]}";
constexpr std::string_view kHocrTail = " </body>\n</html>\n";
constexpr std::string_view kAltoTail = "\t</Layout>\n</alto>\n";

bool Succeeded(const PageResult& p) { return p.state == PageState::kSucceeded; }

// The start of the line holding `marker` (the first page element), or npos.
size_t LineStartOf(std::string_view doc, std::string_view marker) {
  const size_t at = doc.find(marker);
  if (at == std::string_view::npos) return at;
  const size_t nl = doc.rfind('\n', at);
  return nl == std::string_view::npos ? 0 : nl + 1;
}

// A one-page document split into head, page part and tail.
struct Parts {
  std::string_view head, body, tail;
};
StatusOr<Parts> SplitPage(std::string_view doc, std::string_view marker,
                          std::string_view tail, int page) {
  const size_t start = LineStartOf(doc, marker);
  if (start == std::string_view::npos || !doc.ends_with(tail) ||
      start > doc.size() - tail.size()) {
    return InternalError("page " + std::to_string(page) +
                         ": the model's answer is not a one-page document");
  }
  return Parts{doc.substr(0, start),
               doc.substr(start, doc.size() - tail.size() - start),
               doc.substr(doc.size() - tail.size())};
}

StatusOr<std::string> AssembleMarkup(const std::vector<PageResult>& pages,
                                     std::string_view marker,
                                     std::string_view tail) {
  std::string out;
  bool first = true;
  for (const PageResult& p : pages) {
    if (!Succeeded(p)) continue;
    ASSIGN_OR_RETURN(Parts parts, SplitPage(p.output, marker, tail, p.page));
    if (first) out += parts.head;
    first = false;
    out += parts.body;
  }
  if (first) return InternalError("no page was read");
  out += tail;
  return out;
}

StatusOr<std::string> AssembleJson(const std::vector<PageResult>& pages) {
  std::string out(kJsonHead);
  for (size_t i = 0; i < pages.size(); ++i) {
    const PageResult& p = pages[i];
    if (i > 0) out.push_back(',');
    std::string_view doc = p.output;
    if (Succeeded(p) && doc.starts_with(kJsonHead) &&
        doc.ends_with(kJsonTail)) {
      out += doc.substr(kJsonHead.size(),
                        doc.size() - kJsonHead.size() - kJsonTail.size());
      continue;
    }
    out += "{\"page\":" + std::to_string(p.page) + ",\"status\":\"failed\"";
    out += ",\"detail\":";
    json::AppendString(out, p.detail.empty() ? "not read" : p.detail);
    out += "}";
  }
  out += kJsonTail;
  return out;
}

StatusOr<std::string> AssembleTsv(const std::vector<PageResult>& pages) {
  std::string out;
  bool first = true;
  for (const PageResult& p : pages) {
    if (!Succeeded(p)) continue;
    std::string_view doc = p.output;
    const size_t nl = doc.find('\n');
    if (nl == std::string_view::npos) {
      return InternalError("page " + std::to_string(p.page) +
                           ": the model's TSV has no header line");
    }
    if (first) out += doc.substr(0, nl + 1);
    first = false;
    out += doc.substr(nl + 1);
  }
  if (first) return InternalError("no page was read");
  return out;
}

StatusOr<std::string> MergePdfs(const std::vector<PageResult>& pages) {
  try {
    QPDF merged;
    merged.emptyPDF();
    QPDFPageDocumentHelper target(merged);
    // Each source must outlive the write: its objects are copied lazily.
    std::vector<std::unique_ptr<QPDF>> sources;
    for (const PageResult& p : pages) {
      if (!Succeeded(p)) continue;
      auto source = std::make_unique<QPDF>();
      const std::string name = "page-" + std::to_string(p.page) + ".pdf";
      source->processMemoryFile(name.c_str(), p.output.data(), p.output.size());
      for (auto& page : QPDFPageDocumentHelper(*source).getAllPages()) {
        target.addPage(page, false);
      }
      sources.push_back(std::move(source));
    }
    if (sources.empty()) return InternalError("no page was read");
    QPDFWriter writer(merged);
    writer.setOutputMemory();
    writer.setDeterministicID(true);
    writer.write();
    auto buffer = std::unique_ptr<Buffer>(writer.getBuffer());
    return std::string(reinterpret_cast<const char*>(buffer->getBuffer()),
                       buffer->getSize());
  } catch (const std::exception& e) {
    return InternalError(std::string("merging the pages' PDFs failed: ") +
                         e.what());
  }
}

}  // namespace

std::optional<std::string_view> OutputMediaType(std::string_view output) {
  if (output == "text") return "text/plain; charset=utf-8";
  if (output == "hocr") return "text/html; charset=utf-8";
  if (output == "alto") return "application/xml; charset=utf-8";
  if (output == "tsv") return "text/tab-separated-values; charset=utf-8";
  if (output == "json") return "application/json";
  if (output == "pdf") return "application/pdf";
  return std::nullopt;
}

std::string_view PageRequestOutput(std::string_view job_output) {
  return job_output == "text" ? "json" : job_output;
}

StatusOr<ReplyElement> FirstElement(const ModelReply& reply) {
  if (reply.answer) {
    if (reply.answer->elements.empty()) {
      return Status(StatusCode::kBadGateway, "the model's answer is empty");
    }
    ASSIGN_OR_RETURN(std::string bytes, reply.answer->FirstElementBytes());
    return ReplyElement{reply.answer->content_type, std::move(bytes)};
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view data, content_type, encoding;
  if (parser.parse(reply.body).get(doc) != simdjson::SUCCESS ||
      doc.at_pointer("/outputs/0/data/0").get_string().get(data) !=
          simdjson::SUCCESS) {
    return Status(StatusCode::kBadGateway,
                  "the model service's answer holds no output");
  }
  ReplyElement out;
  if (doc.at_pointer("/outputs/0/parameters/content_type")
          .get_string()
          .get(content_type) == simdjson::SUCCESS) {
    out.content_type = std::string(content_type);
  }
  if (doc.at_pointer("/outputs/0/parameters/encoding")
              .get_string()
              .get(encoding) == simdjson::SUCCESS &&
      encoding == "base64") {
    ASSIGN_OR_RETURN(out.bytes, base64::Decode(data));
  } else {
    out.bytes = std::string(data);
  }
  return out;
}

StatusOr<PageAnswer> ReadPageAnswer(const ModelReply& reply,
                                    std::string_view job_output) {
  ASSIGN_OR_RETURN(ReplyElement element, FirstElement(reply));
  PageAnswer answer;
  answer.output = std::move(element.bytes);
  if (PageRequestOutput(job_output) != "json") return answer;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view text;
  double confidence = 0;
  if (parser.parse(answer.output).get(doc) != simdjson::SUCCESS ||
      doc.at_pointer("/pages/0/text").get_string().get(text) !=
          simdjson::SUCCESS) {
    return Status(StatusCode::kBadGateway,
                  "the model's page answer is not its JSON output");
  }
  answer.text = std::string(text);
  if (doc.at_pointer("/pages/0/mean_conf").get_double().get(confidence) ==
      simdjson::SUCCESS) {
    answer.mean_confidence = confidence;
  }
  return answer;
}

StatusOr<std::string> AssembleOutput(std::string_view format,
                                     const std::vector<PageResult>& pages) {
  if (format == "text") {
    std::string out;
    for (size_t i = 0; i < pages.size(); ++i) {
      if (i > 0) out.push_back('\f');
      if (Succeeded(pages[i])) out += pages[i].text;
    }
    return out;
  }
  if (format == "json") return AssembleJson(pages);
  if (format == "tsv") return AssembleTsv(pages);
  if (format == "hocr") {
    return AssembleMarkup(pages, "<div class='ocr_page'", kHocrTail);
  }
  if (format == "alto") return AssembleMarkup(pages, "<Page ", kAltoTail);
  if (format == "pdf") {
    // One page: the model's own PDF, as /gateway/ocr answers an image.
    if (pages.size() == 1 && Succeeded(pages[0])) return pages[0].output;
    return MergePdfs(pages);
  }
  return InvalidArgumentError("unknown output '" + std::string(format) + "'");
}

}  // namespace ocr::jobs
