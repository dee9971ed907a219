// Fuzzes the page splitter's library (page_splitter/page_split.h) through
// the file-descriptor path ocr-page-splitter uses (a memfd): the TIFF
// directory walk and copy (tiff_pages.cc, ours) and the PDF page copy
// around qpdf (pdf_pages.cc). The input's leading bytes choose the format,
// as the gateway's sniffer would (neither: read as a TIFF, which refuses).
//
// Checks: refusals are kInvalidArgument or kPayloadTooLarge and say why;
// pages come in order, each at most the page limit, each a one-page
// document of its own; a TIFF page copied again is the same bytes.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/image_format.h"
#include "fuzz_check.h"
#include "page_splitter/page_split.h"

namespace {

constexpr int64_t kMaxPageBytes = 1 << 20;

int MemoryFile(std::string_view bytes) {
  const int fd = memfd_create("page_split_fuzzer", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    FUZZ_CHECK(n > 0);
    at += static_cast<size_t>(n);
  }
  return fd;
}

void CheckRefusal(const ocr::Status& status) {
  FUZZ_CHECK(status.code() == ocr::StatusCode::kInvalidArgument ||
             status.code() == ocr::StatusCode::kPayloadTooLarge);
  FUZZ_CHECK(!status.message().empty());
}

// Opens `bytes` as `type`: a one-page document (or a refusal).
void CheckOnePage(const std::string& bytes, std::string_view type) {
  const int fd = MemoryFile(bytes);
  auto document = ocr::page_split::OpenDocument(fd, type);
  if (type == ocr::page_split::kTiffMediaType) {
    // A copy is always readable, and copying it changes nothing.
    FUZZ_CHECK(document.ok());
    FUZZ_CHECK((*document)->page_count() == 1);
    auto again = (*document)->Page(0, kMaxPageBytes);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == bytes);
  } else if (document.ok()) {
    FUZZ_CHECK((*document)->page_count() == 1);
  }
  close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view type = ocr::SniffImageType(input);
  if (!ocr::page_split::IsSplittable(type)) {
    type = ocr::page_split::kTiffMediaType;
  }
  const int fd = MemoryFile(input);
  ocr::page_split::SplitLimits limits;
  limits.max_pages = 64;
  limits.max_page_bytes = kMaxPageBytes;
  int last = 0;
  int page_count = 0;
  auto count = ocr::page_split::SplitFile(
      fd, type, "", limits,
      [&](int page, std::string_view media_type, std::string bytes) {
        FUZZ_CHECK(page == last + 1);
        last = page;
        FUZZ_CHECK(media_type == type);
        FUZZ_CHECK(bytes.size() <= static_cast<size_t>(kMaxPageBytes));
        CheckOnePage(bytes, type);
        return ocr::OkStatus();
      },
      &page_count);
  close(fd);
  if (count.ok()) {
    FUZZ_CHECK(*count >= 1);
    FUZZ_CHECK(last == *count);
  } else {
    CheckRefusal(count.status());
    FUZZ_CHECK(last <= page_count);
  }
  return 0;
}
