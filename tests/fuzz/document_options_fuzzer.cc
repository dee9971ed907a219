// Fuzzes the two small parsers the document path wrote by hand: the `pages`
// selection (common/page_selection.h) and the EXIF Orientation
// walk of a JPEG (model_server/core/exif_orientation.h).
//
// The first byte picks the page count (1-256) for the selection; the rest is
// both the selection text and the JPEG bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/page_selection.h"
#include "fuzz_check.h"
#include "model_server/core/exif_orientation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int count = static_cast<int>(data[0]) + 1;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1),
                              size - 1);

  const ocr::Status spec = ocr::CheckPageSpec(rest);
  if (!spec.ok()) FUZZ_CHECK_REFUSAL(spec);
  auto pages = ocr::SelectPages(rest, count);
  // A well-formed spec may still ask past the end; a malformed one never
  // selects anything.
  if (!spec.ok()) FUZZ_CHECK(!pages.ok());
  if (pages.ok()) {
    FUZZ_CHECK(spec.ok());
    FUZZ_CHECK(!pages->empty());
    for (size_t i = 0; i < pages->size(); ++i) {
      FUZZ_CHECK((*pages)[i] >= 0 && (*pages)[i] < count);
      if (i > 0) FUZZ_CHECK((*pages)[i - 1] < (*pages)[i]);  // sorted, unique
    }
  } else {
    FUZZ_CHECK_REFUSAL(pages.status());
  }

  const int orientation = ocr::JpegExifOrientation(rest);
  FUZZ_CHECK(orientation >= 1 && orientation <= 8);
  return 0;
}
