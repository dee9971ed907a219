// The TIFF pages of tiff_pages.h: the IFD chain and the copy of one IFD.
#include "page_splitter/tiff_pages.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>
#include <vector>

namespace ocr::page_split {
namespace {

// libtiff refuses directories with no entry or more than this many.
constexpr uint32_t kMaxEntries = 4096;
constexpr uint16_t kStripOffsets = 273;
constexpr uint16_t kStripByteCounts = 279;
constexpr uint16_t kTileOffsets = 324;
constexpr uint16_t kTileByteCounts = 325;
constexpr uint16_t kLongType = 4;

// The size of a value of TIFF field type `type` (1-13); 0: unknown, which
// libtiff ignores.
int TypeSize(uint16_t type) {
  switch (type) {
    case 1:  // BYTE
    case 2:  // ASCII
    case 6:  // SBYTE
    case 7:  // UNDEFINED
      return 1;
    case 3:  // SHORT
    case 8:  // SSHORT
      return 2;
    case 4:   // LONG
    case 9:   // SLONG
    case 11:  // FLOAT
    case 13:  // IFD
      return 4;
    case 5:   // RATIONAL
    case 10:  // SRATIONAL
    case 12:  // DOUBLE
      return 8;
    default:
      return 0;
  }
}

// Entries left out of a page's copy: they point at structures outside the
// directory that decoding the page does not read (or, for old-style JPEG,
// that Leptonica refuses anyway), or hold bulky data of other programs.
bool LeftOut(uint16_t tag, uint16_t type) {
  if (type == 13) return true;  // an IFD offset
  switch (tag) {
    case 288:    // FreeOffsets
    case 289:    // FreeByteCounts
    case 330:    // SubIFDs
    case 513:    // JPEGInterchangeFormat
    case 514:    // JPEGInterchangeFormatLength
    case 519:    // JPEGQTables
    case 520:    // JPEGDCTables
    case 521:    // JPEGACTables
    case 34377:  // Photoshop
    case 34665:  // ExifIFD
    case 34853:  // GPSInfo
    case 37724:  // ImageSourceData (Photoshop layers)
    case 40965:  // InteroperabilityIFD
      return true;
    default:
      return false;
  }
}

struct ByteOrder {
  bool big = false;
  uint16_t U16(const char* p) const {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return static_cast<uint16_t>(big ? (b[0] << 8) | b[1] : (b[1] << 8) | b[0]);
  }
  uint32_t U32(const char* p) const {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return big ? (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                     (uint32_t{b[2]} << 8) | b[3]
               : (uint32_t{b[3]} << 24) | (uint32_t{b[2]} << 16) |
                     (uint32_t{b[1]} << 8) | b[0];
  }
  void Put16(char* p, uint16_t v) const {
    p[big ? 0 : 1] = static_cast<char>(v >> 8);
    p[big ? 1 : 0] = static_cast<char>(v & 0xff);
  }
  void Put32(char* p, uint32_t v) const {
    for (int i = 0; i < 4; ++i) {
      p[big ? 3 - i : i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
  }
};

struct Entry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint32_t count = 0;
  uint64_t size = 0;  // count values of the type
  const char* value;  // inline value (size <= 4) or its offset
};

// One kind of image data: the strips, or the tiles.
struct Blocks {
  uint16_t offsets_tag;
  uint16_t counts_tag;
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> counts;
};

class TiffDocument : public Document {
 public:
  TiffDocument(int fd, uint64_t size, ByteOrder order,
               std::vector<uint32_t> ifds)
      : fd_(fd), size_(size), order_(order), ifds_(std::move(ifds)) {}

  std::string_view media_type() const override { return kTiffMediaType; }
  int page_count() const override { return static_cast<int>(ifds_.size()); }
  StatusOr<std::string> Page(int index, int64_t max_bytes) override;

  // The entry count of the directory at `at`, when it is whole in the file.
  static StatusOr<uint32_t> DirectorySize(int fd, uint64_t size,
                                          const ByteOrder& order, uint64_t at);

 private:
  Status ReadInto(uint64_t at, uint64_t n, std::string* out) const;
  // The bytes of `entry`'s value (inline or out of line).
  StatusOr<std::string> Value(const Entry& entry, const std::string& where);
  // A SHORT or LONG array's numbers.
  StatusOr<std::vector<uint32_t>> Numbers(const Entry& entry,
                                          const std::string& where);

  int fd_;
  uint64_t size_;
  ByteOrder order_;
  std::vector<uint32_t> ifds_;
};

Status ReadExactly(int fd, uint64_t at, uint64_t n, char* out) {
  while (n > 0) {
    const ssize_t got = pread(fd, out, n, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return InternalError(std::string("cannot read the TIFF: ") +
                           std::strerror(errno));
    }
    if (got == 0) return InvalidArgumentError("the TIFF is truncated");
    out += got;
    at += static_cast<uint64_t>(got);
    n -= static_cast<uint64_t>(got);
  }
  return OkStatus();
}

StatusOr<uint32_t> TiffDocument::DirectorySize(int fd, uint64_t size,
                                               const ByteOrder& order,
                                               uint64_t at) {
  char count[2];
  if (at + 2 > size) return InvalidArgumentError("past the end");
  RETURN_IF_ERROR(ReadExactly(fd, at, 2, count));
  const uint32_t n = order.U16(count);
  if (n == 0 || n > kMaxEntries) {
    return InvalidArgumentError(std::to_string(n) + " entries");
  }
  if (at + 2 + 12 * uint64_t{n} + 4 > size) {
    return InvalidArgumentError("past the end");
  }
  return n;
}

Status TiffDocument::ReadInto(uint64_t at, uint64_t n, std::string* out) const {
  const size_t old = out->size();
  out->resize(old + n);
  return ReadExactly(fd_, at, n, out->data() + old);
}

StatusOr<std::string> TiffDocument::Value(const Entry& entry,
                                          const std::string& where) {
  if (entry.size <= 4) return std::string(entry.value, entry.size);
  const uint64_t at = order_.U32(entry.value);
  if (at + entry.size > size_) {
    return InvalidArgumentError(where + " is corrupt: the value of tag " +
                                std::to_string(entry.tag) +
                                " lies past the end of the file");
  }
  std::string bytes;
  RETURN_IF_ERROR(ReadInto(at, entry.size, &bytes));
  return bytes;
}

StatusOr<std::vector<uint32_t>> TiffDocument::Numbers(
    const Entry& entry, const std::string& where) {
  if (entry.type != 3 && entry.type != 4) {
    return InvalidArgumentError(where + " is corrupt: tag " +
                                std::to_string(entry.tag) + " has type " +
                                std::to_string(entry.type));
  }
  ASSIGN_OR_RETURN(const std::string bytes, Value(entry, where));
  std::vector<uint32_t> numbers(entry.count);
  for (uint32_t i = 0; i < entry.count; ++i) {
    numbers[i] = entry.type == 3 ? order_.U16(bytes.data() + 2 * i)
                                 : order_.U32(bytes.data() + 4 * i);
  }
  return numbers;
}

StatusOr<std::string> TiffDocument::Page(int index, int64_t max_bytes) {
  const std::string where = "TIFF page " + std::to_string(index + 1);
  const uint64_t at = ifds_.at(static_cast<size_t>(index));
  ASSIGN_OR_RETURN(const uint32_t n, DirectorySize(fd_, size_, order_, at));
  std::string directory;
  RETURN_IF_ERROR(ReadInto(at + 2, 12 * uint64_t{n}, &directory));

  std::vector<Entry> kept;
  std::unordered_set<uint16_t> tags;
  for (uint32_t i = 0; i < n; ++i) {
    const char* raw = directory.data() + 12 * i;
    Entry e{order_.U16(raw), order_.U16(raw + 2), order_.U32(raw + 4), 0,
            raw + 8};
    const int type_size = TypeSize(e.type);
    // libtiff keeps the first of a tag that comes twice.
    if (type_size == 0 || LeftOut(e.tag, e.type) ||
        !tags.insert(e.tag).second) {
      continue;
    }
    e.size = uint64_t{e.count} * static_cast<uint64_t>(type_size);
    // libtiff ignores a tag whose value lies past the end of the file (but
    // for the image data's, which Numbers refuses below).
    const bool image_data = e.tag == kStripOffsets ||
                            e.tag == kStripByteCounts ||
                            e.tag == kTileOffsets || e.tag == kTileByteCounts;
    if (e.size > 4 && !image_data &&
        uint64_t{order_.U32(e.value)} + e.size > size_) {
      continue;
    }
    kept.push_back(e);
  }
  const auto find = [&](uint16_t tag) -> const Entry* {
    for (const Entry& e : kept) {
      if (e.tag == tag) return &e;
    }
    return nullptr;
  };

  // The image data, and the size of the copy.
  std::vector<Blocks> data;
  uint64_t data_bytes = 0;
  for (auto [offsets_tag, counts_tag] :
       {std::pair{kStripOffsets, kStripByteCounts},
        std::pair{kTileOffsets, kTileByteCounts}}) {
    const Entry* offsets = find(offsets_tag);
    if (offsets == nullptr) continue;
    const Entry* counts = find(counts_tag);
    if (counts == nullptr) {
      return InvalidArgumentError(where + " is not supported: it has no " +
                                  "byte counts for its image data (tag " +
                                  std::to_string(counts_tag) + ")");
    }
    Blocks blocks{offsets_tag, counts_tag, {}, {}};
    ASSIGN_OR_RETURN(blocks.offsets, Numbers(*offsets, where));
    ASSIGN_OR_RETURN(blocks.counts, Numbers(*counts, where));
    if (blocks.offsets.size() != blocks.counts.size()) {
      return InvalidArgumentError(
          where + " is corrupt: " + std::to_string(blocks.offsets.size()) +
          " data offsets but " + std::to_string(blocks.counts.size()) +
          " byte counts");
    }
    for (size_t i = 0; i < blocks.offsets.size(); ++i) {
      if (uint64_t{blocks.offsets[i]} + blocks.counts[i] > size_) {
        return InvalidArgumentError(where +
                                    " is truncated: its image data runs "
                                    "past the end of the file");
      }
      data_bytes += blocks.counts[i];
    }
    if (!blocks.offsets.empty()) data.push_back(std::move(blocks));
  }
  if (data.empty()) {
    return InvalidArgumentError(where + " has no image data");
  }
  const auto relocated = [&](const Entry& e) {
    for (const Blocks& b : data) {
      if (b.offsets_tag == e.tag) return &b;
    }
    return static_cast<const Blocks*>(nullptr);
  };
  uint64_t total = 8 + 2 + 12 * kept.size() + 4;
  for (const Entry& e : kept) {
    const Blocks* b = relocated(e);
    const uint64_t size = b != nullptr ? 4 * b->offsets.size() : e.size;
    if (size > 4) total += (total & 1) + size;
  }
  total += data_bytes;
  const uint64_t limit =
      std::min<uint64_t>(static_cast<uint64_t>(max_bytes), 0xffffffffu);
  if (total > limit) {
    return PayloadTooLargeError(where + " is " + std::to_string(total) +
                                " bytes; the limit of one page is " +
                                std::to_string(limit));
  }

  // Header, directory, out-of-line values, then the image data.
  std::string out(8 + 2 + 12 * kept.size() + 4, '\0');
  out.reserve(total);
  out[0] = out[1] = order_.big ? 'M' : 'I';
  order_.Put16(out.data() + 2, 42);
  order_.Put32(out.data() + 4, 8);
  order_.Put16(out.data() + 8, static_cast<uint16_t>(kept.size()));
  std::vector<size_t> offsets_at(data.size());  // where each new array goes
  // out.data() moves as values are appended: entries are found by index.
  const auto slot = [&out](size_t i) { return out.data() + 10 + 12 * i; };
  for (size_t i = 0; i < kept.size(); ++i) {
    const Entry& e = kept[i];
    order_.Put16(slot(i), e.tag);
    const Blocks* b = relocated(e);
    if (b != nullptr) {
      order_.Put16(slot(i) + 2, kLongType);
      order_.Put32(slot(i) + 4, static_cast<uint32_t>(b->offsets.size()));
      size_t pos = 10 + 12 * i + 8;  // one offset: in the entry itself
      if (b->offsets.size() > 1) {
        if (out.size() & 1) out.push_back('\0');
        pos = out.size();
        out.resize(out.size() + 4 * b->offsets.size());
        order_.Put32(slot(i) + 8, static_cast<uint32_t>(pos));
      }
      offsets_at[static_cast<size_t>(b - data.data())] = pos;
      continue;
    }
    order_.Put16(slot(i) + 2, e.type);
    order_.Put32(slot(i) + 4, e.count);
    ASSIGN_OR_RETURN(const std::string value, Value(e, where));
    if (value.size() <= 4) {
      std::memcpy(slot(i) + 8, value.data(), value.size());
    } else {
      if (out.size() & 1) out.push_back('\0');
      order_.Put32(slot(i) + 8, static_cast<uint32_t>(out.size()));
      out.append(value);
    }
  }
  for (size_t k = 0; k < data.size(); ++k) {
    const Blocks& b = data[k];
    for (size_t i = 0; i < b.offsets.size(); ++i) {
      // An empty block keeps a zero offset (libtiff reads it as absent).
      const uint32_t moved = b.counts[i] == 0 && b.offsets[i] == 0
                                 ? 0
                                 : static_cast<uint32_t>(out.size());
      RETURN_IF_ERROR(ReadInto(b.offsets[i], b.counts[i], &out));
      order_.Put32(out.data() + offsets_at[k] + 4 * i, moved);
    }
  }
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<Document>> OpenTiff(int fd, uint64_t size) {
  char header[8];
  if (size < sizeof header) {
    return InvalidArgumentError(
        "the TIFF is truncated: " + std::to_string(size) + " bytes");
  }
  RETURN_IF_ERROR(ReadExactly(fd, 0, sizeof header, header));
  ByteOrder order;
  order.big = header[0] == 'M';
  std::vector<uint32_t> ifds;
  std::unordered_set<uint32_t> seen;
  uint32_t at = order.U32(header + 4);
  while (at != 0 && seen.insert(at).second) {
    StatusOr<uint32_t> n = TiffDocument::DirectorySize(fd, size, order, at);
    if (!n.ok()) {
      // libtiff stops at the first directory it cannot read; a read error
      // of the file itself is no such thing.
      if (n.status().code() != StatusCode::kInvalidArgument) return n.status();
      break;
    }
    if (ifds.size() == kMaxTiffPages) {
      return PayloadTooLargeError("the TIFF has more than " +
                                  std::to_string(kMaxTiffPages) + " pages");
    }
    ifds.push_back(at);
    char next[4];
    RETURN_IF_ERROR(ReadExactly(fd, at + 2 + 12 * uint64_t{*n}, 4, next));
    at = order.U32(next);
  }
  if (ifds.empty()) {
    return InvalidArgumentError("TIFF data is corrupt: no readable page");
  }
  return std::unique_ptr<Document>(
      new TiffDocument(fd, size, order, std::move(ifds)));
}

}  // namespace ocr::page_split
