#include "model_server/worker/worker_protocol.h"

#include <algorithm>
#include <cstring>

namespace ocr::worker {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutI64(std::string& out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
}
void PutString(std::string& out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
void PutDouble(std::string& out, double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  PutI64(out, static_cast<int64_t>(u));
}

// Reads fields off the front of a payload; any overrun sets `bad`.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint32_t U32() {
    uint32_t v = 0;
    if (!Take(4)) return 0;
    for (int i = 0; i < 4; ++i) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(last_[i]))
           << (8 * i);
    }
    return v;
  }
  int64_t I64() {
    uint64_t v = 0;
    if (!Take(8)) return 0;
    for (int i = 0; i < 8; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(last_[i]))
           << (8 * i);
    }
    return static_cast<int64_t>(v);
  }
  double Double() {
    const auto u = static_cast<uint64_t>(I64());
    double d;
    std::memcpy(&d, &u, sizeof d);
    return d;
  }
  std::string_view String() {
    const uint32_t n = U32();
    if (!Take(n)) return {};
    return last_;
  }
  bool bad() const { return bad_; }
  bool done() const { return data_.empty(); }

 private:
  bool Take(size_t n) {
    if (bad_ || data_.size() < n) {
      bad_ = true;
      last_ = {};
      return false;
    }
    last_ = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  std::string_view data_;
  std::string_view last_;
  bool bad_ = false;
};

}  // namespace

uint32_t MaxResultBytes(UnitKind kind, size_t pages, const OcrOptions& options,
                        int64_t max_page_pixels) {
  constexpr double kFixed = 1 << 20;
  if (kind == UnitKind::kCountPages) return static_cast<uint32_t>(kFixed);
  double per_pixel = 2;
  if (options.output == OutputFormat::kText) per_pixel = 0.25;
  if (kind == UnitKind::kSearchablePdf ||
      options.output == OutputFormat::kPdf) {
    per_pixel = 4;
  }
  double per_page =
      per_pixel * static_cast<double>(std::max<int64_t>(max_page_pixels, 0));
  if (options.text_layer == TextLayer::kUse) per_page += 16 << 20;
  const double page_count =
      kind == UnitKind::kSearchablePdf ? static_cast<double>(pages) : 1;
  return static_cast<uint32_t>(
      std::min(kFixed + page_count * per_page, double{kMaxFrameBytes}));
}

std::string FrameHeader(FrameType type, uint32_t length) {
  std::string out;
  out.reserve(kFrameHeaderBytes);
  PutU32(out, static_cast<uint32_t>(type));
  PutU32(out, length);
  return out;
}

Status ParseFrameHeader(std::string_view header, uint32_t max_length,
                        FrameType* type, uint32_t* length) {
  Reader r(header);
  const uint32_t t = r.U32();
  *length = r.U32();
  if (r.bad()) return InvalidArgumentError("short frame header");
  if (t < static_cast<uint32_t>(FrameType::kReady) ||
      t > static_cast<uint32_t>(FrameType::kResult)) {
    return InvalidArgumentError("unknown frame type " + std::to_string(t));
  }
  if (*length > max_length) {
    return InvalidArgumentError("frame of " + std::to_string(*length) +
                                " bytes is over the limit");
  }
  *type = static_cast<FrameType>(t);
  return OkStatus();
}

std::string EncodeRecognizeHead(const RecognizeMessage& m,
                                uint32_t image_size) {
  std::string out;
  PutU32(out, static_cast<uint32_t>(m.kind));
  PutU32(out, static_cast<uint32_t>(m.page));
  PutU32(out, static_cast<uint32_t>(m.pages.size()));
  for (const int p : m.pages) PutU32(out, static_cast<uint32_t>(p));
  PutString(out, m.options.lang);
  PutU32(out, static_cast<uint32_t>(m.options.psm));
  PutU32(out, static_cast<uint32_t>(m.options.dpi));
  PutU32(out, static_cast<uint32_t>(m.options.output));
  PutU32(out, static_cast<uint32_t>(m.options.text_layer));
  PutU32(out, static_cast<uint32_t>(m.options.rotate));
  PutU32(out, static_cast<uint32_t>(m.options.deskew));
  PutU32(out, m.options.rescale ? 1 : 0);
  PutU32(out, static_cast<uint32_t>(m.options.first_page));
  PutI64(out, m.budget_ms);
  PutU32(out, image_size);  // the image's bytes follow
  return out;
}

StatusOr<RecognizeMessage> DecodeRecognize(std::string_view payload) {
  Reader r(payload);
  RecognizeMessage m;
  const uint32_t kind = r.U32();
  const uint32_t page = r.U32();
  const uint32_t page_count = r.U32();
  if (page_count > kMaxUnitPages) {
    return InvalidArgumentError("malformed recognize message");
  }
  for (uint32_t i = 0; i < page_count && !r.bad(); ++i) {
    const uint32_t p = r.U32();
    if (p > (1u << 30))
      return InvalidArgumentError("malformed recognize message");
    m.pages.push_back(static_cast<int>(p));
  }
  m.options.lang = std::string(r.String());
  m.options.psm = static_cast<int>(r.U32());
  m.options.dpi = static_cast<int>(r.U32());
  const uint32_t output = r.U32();
  const uint32_t text_layer = r.U32();
  const uint32_t rotate = r.U32();
  const uint32_t deskew = r.U32();
  const uint32_t rescale = r.U32();
  const uint32_t first_page = r.U32();
  m.budget_ms = r.I64();
  m.image = r.String();
  if (r.bad() || !r.done() || kind > 2 || page > (1u << 30) ||
      output > static_cast<uint32_t>(OutputFormat::kPdf) || text_layer > 1 ||
      rotate > 1 || deskew > 2 || rescale > 1 || m.options.psm < 0 ||
      m.options.psm > 13 || m.options.dpi < 0 || m.options.dpi > 2400 ||
      first_page < 1 || first_page > (1u << 30)) {
    return InvalidArgumentError("malformed recognize message");
  }
  m.kind = static_cast<UnitKind>(kind);
  m.page = static_cast<int>(page);
  m.options.output = static_cast<OutputFormat>(output);
  m.options.text_layer = static_cast<TextLayer>(text_layer);
  m.options.rotate = static_cast<Rotate>(rotate);
  m.options.deskew = static_cast<Deskew>(deskew);
  m.options.rescale = rescale == 1;
  m.options.first_page = static_cast<int>(first_page);
  return m;
}

std::string EncodeResult(const Status& status, const OcrResult& result) {
  std::string out;
  PutU32(out, static_cast<uint32_t>(status.code()));
  PutString(out, status.message());
  PutString(out, result.text);
  PutU32(out, static_cast<uint32_t>(result.width));
  PutU32(out, static_cast<uint32_t>(result.height));
  PutDouble(out, result.mean_confidence);
  PutI64(out, result.characters);
  PutU32(out, static_cast<uint32_t>(result.pages));
  return out;
}

StatusOr<ResultMessage> DecodeResult(std::string_view payload) {
  Reader r(payload);
  ResultMessage m;
  const uint32_t code = r.U32();
  const std::string_view message = r.String();
  m.result.text = std::string(r.String());
  m.result.width = static_cast<int>(r.U32());
  m.result.height = static_cast<int>(r.U32());
  m.result.mean_confidence = r.Double();
  m.result.characters = r.I64();
  m.result.pages = static_cast<int>(r.U32());
  if (r.bad() || !r.done() ||
      code > static_cast<uint32_t>(StatusCode::kInternal)) {
    return InvalidArgumentError("malformed result message");
  }
  if (code != 0) {
    m.status = Status(static_cast<StatusCode>(code), std::string(message));
  }
  return m;
}

}  // namespace ocr::worker
