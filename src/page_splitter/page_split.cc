// The split of page_split.h: the checks every format shares.
#include "page_splitter/page_split.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/image_format.h"
#include "common/page_selection.h"
#include "page_splitter/pdf_pages.h"
#include "page_splitter/tiff_pages.h"

namespace ocr::page_split {

bool IsSplittable(std::string_view media_type) {
  return media_type == kPdfMediaType || media_type == kTiffMediaType;
}

StatusOr<std::unique_ptr<Document>> OpenDocument(int fd,
                                                 std::string_view media_type) {
  if (!IsSplittable(media_type)) {
    return Status(StatusCode::kUnsupportedMediaType,
                  "documents of type '" + std::string(media_type) +
                      "' are not split into pages (only PDF and TIFF are)");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    return InternalError(std::string("cannot read the document: ") +
                         std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return InternalError("the document to split is not a regular file");
  }
  char head[kImageSniffBytes];
  const ssize_t n = pread(fd, head, sizeof head, 0);
  if (n < 0) {
    return InternalError(std::string("cannot read the document: ") +
                         std::strerror(errno));
  }
  const std::string_view sniffed =
      SniffImageType(std::string_view(head, static_cast<size_t>(n)));
  const std::string name = media_type == kPdfMediaType ? "PDF" : "TIFF";
  if (n == 0) return InvalidArgumentError("the " + name + " is empty");
  if (sniffed != media_type) {
    return InvalidArgumentError(
        "the document is not a " + name + " (its first bytes say " +
        (sniffed.empty() ? std::string("otherwise") : std::string(sniffed)) +
        ")");
  }
  if (media_type == kPdfMediaType) return OpenPdf(fd);
  return OpenTiff(fd, static_cast<uint64_t>(st.st_size));
}

Status SplitPages(Document& document, const std::vector<int>& indices,
                  const SplitLimits& limits, const PageSink& sink) {
  const int count = document.page_count();
  const auto emit = [&](int index) -> Status {
    if (index < 0 || index >= count) {
      return InvalidArgumentError("the document has no page " +
                                  std::to_string(index + 1));
    }
    ASSIGN_OR_RETURN(std::string bytes,
                     document.Page(index, limits.max_page_bytes));
    return sink(index + 1, document.media_type(), std::move(bytes));
  };
  if (indices.empty()) {
    for (int i = 0; i < count; ++i) RETURN_IF_ERROR(emit(i));
  }
  for (int index : indices) RETURN_IF_ERROR(emit(index));
  return OkStatus();
}

StatusOr<int> SplitFile(int fd, std::string_view media_type,
                        std::string_view pages_spec, const SplitLimits& limits,
                        const PageSink& sink, int* page_count) {
  RETURN_IF_ERROR(CheckPageSpec(pages_spec));
  ASSIGN_OR_RETURN(std::unique_ptr<Document> document,
                   OpenDocument(fd, media_type));
  const int count = document->page_count();
  if (page_count != nullptr) *page_count = count;
  ASSIGN_OR_RETURN(const std::vector<int> indices,
                   SelectPages(pages_spec, count));
  const int selected = static_cast<int>(indices.size());
  if (selected > limits.max_pages) {
    std::string what = "the document has " + std::to_string(count) + " pages";
    if (selected < count) {
      what += ", of which " + std::to_string(selected) + " are selected";
    }
    return PayloadTooLargeError(
        what + "; at most " + std::to_string(limits.max_pages) +
        " are split (--max-pages): select fewer with the 'pages' parameter");
  }
  RETURN_IF_ERROR(SplitPages(*document, indices, limits, sink));
  return count;
}

}  // namespace ocr::page_split
