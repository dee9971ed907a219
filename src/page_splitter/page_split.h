// Splitting a document into standalone one-page files, without rendering:
// a PDF's page is copied with what it inherits (MediaBox, Resources, ...)
// into a PDF of its own (qpdf); a TIFF's page keeps its directory and its
// compressed image data byte for byte in a TIFF of its own, so the model
// decodes the very pixels, resolution and orientation it would have read
// from the original (model_server/core/image_decoder.cc).
//
// Pure: no processes, no sandbox. It parses untrusted bytes, so it runs in
// ocr-page-splitter (splitter_main.cc), a sandboxed child of the gateway.
// The document is read from a file descriptor as needed, never held whole
// in memory; pages come out one at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ocr::page_split {

inline constexpr std::string_view kPdfMediaType = "application/pdf";
inline constexpr std::string_view kTiffMediaType = "image/tiff";

// Whether documents of `media_type` are split here (PDF and TIFF). Other
// inputs are one page as they are: not the splitter's job.
bool IsSplittable(std::string_view media_type);

struct SplitLimits {
  // Selected pages allowed; more: kPayloadTooLarge.
  int max_pages = 10000;
  // One page's output file; more: kPayloadTooLarge.
  int64_t max_page_bytes = int64_t{64} << 20;
};

// Receives a page: its 1-based number in the original, its media type (the
// document's) and the one-page file. An error stops the split.
using PageSink = std::function<Status(int page, std::string_view media_type,
                                      std::string bytes)>;

// A document opened for splitting.
class Document {
 public:
  virtual ~Document() = default;
  virtual std::string_view media_type() const = 0;
  virtual int page_count() const = 0;
  // Page `index` (0-based) as a standalone one-page file; kPayloadTooLarge
  // when it would be longer than `max_bytes`.
  virtual StatusOr<std::string> Page(int index, int64_t max_bytes) = 0;
};

// Opens the document in `fd` (a regular file; read with pread/fseek, never
// closed here), whose leading bytes must be of `media_type`.
// kInvalidArgument when it is not such a document or is damaged beyond
// reading; kUnsupportedMediaType for a type that is not split.
StatusOr<std::unique_ptr<Document>> OpenDocument(int fd,
                                                 std::string_view media_type);

// Emits pages `indices` (0-based, sorted, as SelectPages gives them; empty:
// every page) of `document` to `sink`, in order.
Status SplitPages(Document& document, const std::vector<int>& indices,
                  const SplitLimits& limits, const PageSink& sink);

// OpenDocument, SelectPages(pages_spec) (common/page_selection.h: the
// model's rules), the max_pages check, SplitPages: the whole split. Returns
// the document's page count; `*page_count` has it as soon as it is known
// (also when a later step fails).
StatusOr<int> SplitFile(int fd, std::string_view media_type,
                        std::string_view pages_spec, const SplitLimits& limits,
                        const PageSink& sink, int* page_count = nullptr);

}  // namespace ocr::page_split
