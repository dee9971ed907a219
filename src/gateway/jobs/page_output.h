// A document's pages, read by the model one at a time, joined into the
// document the model itself would have written for the whole file: the
// assembly behind a job's result and a multi-page /gateway/ocr answer, so
// both give the same bytes.
//   text  the pages' texts separated by a form feed, none after the last; a
//         failed page is an empty page (its separator stays: numbering never
//         shifts)
//   json  {"pages":[...]}: each page's object; a failed page is
//         {"page":N,"status":"failed","detail":...}
//   hocr  the head of the first page's document, every page's ocr_page div,
//         the tail (failed pages left out)
//   alto  likewise with <Page> elements
//   tsv   the header line, then every page's rows
//   pdf   the one-page PDFs merged in page order (qpdf)
// For a job whose output is text, pages are asked for as json (their text,
// mean confidence and layout at once); the text is taken from there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gateway/jobs/job_store.h"
#include "gateway/model_client.h"

namespace ocr::jobs {

// The media type of a job output ("text", "hocr", ...), as /gateway/ocr
// answers it; nullopt for an unknown name.
std::optional<std::string_view> OutputMediaType(std::string_view output);

// The `output` a page request asks the model for, for a job's output.
std::string_view PageRequestOutput(std::string_view job_output);

// What one page's 200 answer holds: `output` in the page request's format,
// and the text and mean confidence when the format carries them.
struct PageAnswer {
  std::string output;
  std::string text;
  std::optional<double> mean_confidence;
};
StatusOr<PageAnswer> ReadPageAnswer(const ModelReply& reply,
                                    std::string_view job_output);

// The first output element of a 200 answer in any protocol, decoded, and
// its content type ("" for text).
struct ReplyElement {
  std::string content_type;
  std::string bytes;
};
StatusOr<ReplyElement> FirstElement(const ModelReply& reply);

// The document of `pages` (every page of the job, in page order) in
// `format`: the job's output, or json for a text job. Pages not succeeded
// count as failed.
StatusOr<std::string> AssembleOutput(std::string_view format,
                                     const std::vector<PageResult>& pages);

}  // namespace ocr::jobs
