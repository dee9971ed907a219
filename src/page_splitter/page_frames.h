// The stream ocr-page-splitter writes on its standard output and the
// gateway reads (splitter_process.h): a record per page, then one final
// record. Little-endian, fixed-width fields:
//
//   page: 'P', u32 page (1-based, of the original), u8 media type length,
//         media type, u64 length, the page's bytes
//   end:  'E', u8 status code (0: ok), u32 the document's page count,
//         u32 message length, message
//
// Nothing may follow the end record. The reader trusts nothing: a record
// that breaks a rule or a limit makes the stream garbled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"

namespace ocr::page_split {

struct PageRecord {
  int page = 0;  // 1-based page of the original document
  std::string media_type;
  std::string bytes;
};

struct EndRecord {
  Status status;  // the split's outcome, as the splitter saw it
  int page_count = 0;
};

using Record = std::variant<PageRecord, EndRecord>;

// The head of a page record; its `size` bytes follow it.
std::string EncodePageHead(int page, std::string_view media_type,
                           uint64_t size);
// The end record (a message longer than kMaxEndMessageBytes is cut).
std::string EncodeEnd(const Status& status, int page_count);

inline constexpr size_t kMaxEndMessageBytes = 4096;

// Reassembles records from the stream's bytes, however they were cut.
class FrameReader {
 public:
  // Pages longer than `max_page_bytes` make the stream garbled.
  explicit FrameReader(uint64_t max_page_bytes);

  void Append(std::string_view bytes);
  // The next whole record; nullopt when more bytes are needed. kInternal
  // saying what is wrong when the stream is garbled (then for good).
  StatusOr<std::optional<Record>> Next();
  // Whether bytes are held that do not make a whole record yet.
  bool partial() const { return pos_ < buffer_.size(); }
  bool ended() const { return ended_; }

 private:
  Status Garbled(std::string why);

  uint64_t max_page_bytes_;
  std::string buffer_;
  size_t pos_ = 0;  // bytes of buffer_ already consumed
  bool ended_ = false;
  Status error_;
};

}  // namespace ocr::page_split
