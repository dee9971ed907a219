// Fuzzes the reader of the splitter's record stream
// (page_splitter/page_frames.h), which the gateway runs on whatever a
// (maybe compromised) splitter writes. The first byte picks the size of the
// pieces the input is fed in; the rest is the stream.
//
// Checks: the records read, encoded again, are exactly the bytes consumed
// (nothing misread); pages keep to the limit; once garbled, always garbled.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "page_splitter/page_frames.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = data[0] % 16 + 1;
  const std::string_view stream(reinterpret_cast<const char*>(data + 1),
                                size - 1);
  constexpr uint64_t kLimit = 4096;
  ocr::page_split::FrameReader reader(kLimit);
  std::string encoded;
  bool garbled = false;
  for (size_t at = 0; at < stream.size() && !garbled; at += step) {
    reader.Append(stream.substr(at, step));
    for (;;) {
      auto next = reader.Next();
      if (!next.ok()) {
        FUZZ_CHECK(next.status().code() == ocr::StatusCode::kInternal);
        FUZZ_CHECK(!reader.Next().ok());
        garbled = true;
        break;
      }
      if (!next->has_value()) break;
      if (const auto* page =
              std::get_if<ocr::page_split::PageRecord>(&**next)) {
        FUZZ_CHECK(page->page >= 1);
        FUZZ_CHECK(!page->media_type.empty());
        FUZZ_CHECK(page->bytes.size() <= kLimit);
        encoded += ocr::page_split::EncodePageHead(page->page, page->media_type,
                                                   page->bytes.size()) +
                   page->bytes;
      } else {
        const auto& end = std::get<ocr::page_split::EndRecord>(**next);
        FUZZ_CHECK(reader.ended());
        encoded += ocr::page_split::EncodeEnd(end.status, end.page_count);
      }
    }
  }
  FUZZ_CHECK(stream.substr(0, encoded.size()) == encoded);
  return 0;
}
