// The splitter's record stream (page_frames.h): encoding and reassembly.
#include "page_splitter/page_frames.h"

namespace ocr::page_split {
namespace {

constexpr char kPageTag = 'P';
constexpr char kEndTag = 'E';
constexpr size_t kPageHeadBytes = 1 + 4 + 1;  // then the type, then u64
constexpr size_t kEndHeadBytes = 1 + 1 + 4 + 4;

void PutLittle(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t GetLittle(std::string_view in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(in[at + i]);
  }
  return value;
}

}  // namespace

std::string EncodePageHead(int page, std::string_view media_type,
                           uint64_t size) {
  std::string out;
  out.push_back(kPageTag);
  PutLittle(&out, static_cast<uint32_t>(page), 4);
  const std::string_view type = media_type.substr(0, 255);
  PutLittle(&out, type.size(), 1);
  out.append(type);
  PutLittle(&out, size, 8);
  return out;
}

std::string EncodeEnd(const Status& status, int page_count) {
  const std::string_view message =
      std::string_view(status.message()).substr(0, kMaxEndMessageBytes);
  std::string out;
  out.push_back(kEndTag);
  PutLittle(&out, static_cast<uint8_t>(status.code()), 1);
  PutLittle(&out, static_cast<uint32_t>(page_count), 4);
  PutLittle(&out, message.size(), 4);
  out.append(message);
  return out;
}

FrameReader::FrameReader(uint64_t max_page_bytes)
    : max_page_bytes_(max_page_bytes) {}

void FrameReader::Append(std::string_view bytes) {
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

Status FrameReader::Garbled(std::string why) {
  error_ = InternalError("the splitter's output is garbled: " + why);
  return error_;
}

StatusOr<std::optional<Record>> FrameReader::Next() {
  if (!error_.ok()) return error_;
  const std::string_view in = std::string_view(buffer_).substr(pos_);
  if (in.empty()) return std::optional<Record>();
  if (ended_) return Garbled("bytes after the end record");
  if (in[0] == kPageTag) {
    if (in.size() < kPageHeadBytes) return std::optional<Record>();
    const uint64_t page = GetLittle(in, 1, 4);
    const size_t type_size = GetLittle(in, 5, 1);
    if (page < 1 || page > 0x7fffffff) {
      return Garbled("page number " + std::to_string(page));
    }
    if (type_size == 0) return Garbled("a page without a media type");
    const size_t head = kPageHeadBytes + type_size + 8;
    if (in.size() < head) return std::optional<Record>();
    const uint64_t size = GetLittle(in, kPageHeadBytes + type_size, 8);
    if (size > max_page_bytes_) {
      return Garbled("a page of " + std::to_string(size) +
                     " bytes (the limit is " + std::to_string(max_page_bytes_) +
                     ")");
    }
    if (in.size() - head < size) return std::optional<Record>();
    PageRecord record;
    record.page = static_cast<int>(page);
    record.media_type = std::string(in.substr(kPageHeadBytes, type_size));
    record.bytes = std::string(in.substr(head, size));
    pos_ += head + size;
    return std::optional<Record>(std::move(record));
  }
  if (in[0] == kEndTag) {
    if (in.size() < kEndHeadBytes) return std::optional<Record>();
    const uint64_t code = GetLittle(in, 1, 1);
    const uint64_t count = GetLittle(in, 2, 4);
    const uint64_t size = GetLittle(in, 6, 4);
    if (code > static_cast<uint64_t>(StatusCode::kInternal)) {
      return Garbled("status code " + std::to_string(code));
    }
    if (count > 0x7fffffff) {
      return Garbled("page count " + std::to_string(count));
    }
    if (size > kMaxEndMessageBytes) {
      return Garbled("an end message of " + std::to_string(size) + " bytes");
    }
    if (in.size() - kEndHeadBytes < size) return std::optional<Record>();
    const auto status_code = static_cast<StatusCode>(code);
    std::string message(in.substr(kEndHeadBytes, size));
    if (status_code == StatusCode::kOk && !message.empty()) {
      return Garbled("a successful end with a message");
    }
    if (status_code != StatusCode::kOk && message.empty()) {
      return Garbled("a failed end without a message");
    }
    EndRecord record;
    record.status = status_code == StatusCode::kOk
                        ? OkStatus()
                        : Status(status_code, std::move(message));
    record.page_count = static_cast<int>(count);
    pos_ += kEndHeadBytes + size;
    ended_ = true;
    return std::optional<Record>(std::move(record));
  }
  return Garbled("unknown record type " +
                 std::to_string(static_cast<unsigned char>(in[0])));
}

}  // namespace ocr::page_split
