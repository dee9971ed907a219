#include "gateway/multipart.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <utility>

namespace ocr {
namespace {

constexpr std::string_view kPrefix = "malformed multipart body: ";

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return Lower(x) == Lower(y); });
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsAlnumOr(char c, std::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || extra.find(c) != extra.npos;
}
bool IsTokenChar(char c) { return IsAlnumOr(c, "!#$%&'*+-.^_`|~"); }
bool IsBoundaryChar(char c) { return IsAlnumOr(c, "'()+_,-./:=? "); }

struct Param {
  std::string name;  // lower-cased
  std::string value;
};

// Parses the value `s` of header `header` as `type *( OWS ";" OWS name OWS "="
// OWS value )`; the type must be `want`. A value is a quoted-string or a run of
// anything but ';', '"', space, tab. With `any_escape`, backslash escapes any
// character (HTTP quoted-pair); otherwise only '"' and '\' (multipart headers
// written by browsers).
StatusOr<std::vector<Param>> ParseParams(std::string_view header,
                                         std::string_view s,
                                         std::string_view want,
                                         bool any_escape) {
  std::vector<Param> params;
  std::set<std::string> names;
  size_t i = std::min(s.find(';'), s.size());
  if (!IEquals(Trim(s.substr(0, i)), want)) {
    return InvalidArgumentError(std::string(header) + " is not " +
                                std::string(want));
  }
  auto skip_ows = [&] {
    while (i < s.size() && IsSpace(s[i])) ++i;
  };
  while (true) {
    skip_ows();
    if (i == s.size()) return params;
    if (s[i] != ';')
      return InvalidArgumentError(std::string(header) + ": expected ';'");
    ++i;
    skip_ows();
    if (i == s.size()) return params;  // tolerate a trailing ';'
    const size_t name_begin = i;
    while (i < s.size() && IsTokenChar(s[i])) ++i;
    Param p{std::string(s.substr(name_begin, i - name_begin)), ""};
    for (char& c : p.name) c = Lower(c);
    skip_ows();
    if (p.name.empty() || i == s.size() || s[i] != '=') {
      return InvalidArgumentError(std::string(header) +
                                  ": malformed parameter (not name=value)");
    }
    ++i;
    skip_ows();
    if (i < s.size() && s[i] == '"') {
      for (++i;; ++i) {
        if (i >= s.size())
          return InvalidArgumentError(std::string(header) +
                                      ": unterminated quoted string");
        if (s[i] == '"') break;
        if (s[i] == '\\' && i + 1 < s.size() &&
            (any_escape || s[i + 1] == '"' || s[i + 1] == '\\')) {
          ++i;
        }
        p.value.push_back(s[i]);
      }
      ++i;
    } else {
      const size_t v = i;
      while (i < s.size() && s[i] != ';' && s[i] != '"' && !IsSpace(s[i])) ++i;
      p.value = std::string(s.substr(v, i - v));
    }
    if (!names.insert(p.name).second) {  // a set: no quadratic worst case
      return InvalidArgumentError(std::string(header) + ": parameter '" +
                                  p.name + "' is repeated");
    }
    params.push_back(std::move(p));
  }
}

// RFC 8187 ext-value: charset "'" [language] "'" percent-encoded bytes.
StatusOr<std::string> DecodeExtValue(std::string_view v) {
  const size_t q1 = v.find('\'');
  const size_t q2 = q1 == v.npos ? v.npos : v.find('\'', q1 + 1);
  if (q2 == v.npos)
    return InvalidArgumentError("has a filename* that is not charset''value");
  if (!IEquals(v.substr(0, q1), "utf-8")) {
    return InvalidArgumentError("has a filename* whose charset is not UTF-8");
  }
  std::string out;
  for (size_t i = q2 + 1; i < v.size(); ++i) {
    unsigned byte = static_cast<unsigned char>(v[i]);
    if (v[i] == '%') {
      const char* hex = v.data() + i + 1;
      const bool ok = i + 2 < v.size() &&
                      std::from_chars(hex, hex + 2, byte, 16).ptr == hex + 2;
      if (!ok) return InvalidArgumentError("has a bad % escape in filename*");
      i += 2;
    }
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

// Parses a header block (lines each ending in CRLF) into `h`.
Status ParseHeaderBlock(std::string_view block, MultipartPartHeader* h) {
  std::optional<std::string_view> disposition, type;
  while (!block.empty()) {
    const size_t eol = block.find("\r\n");  // the block always ends in CRLF
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol + 2);
    if (std::any_of(line.begin(), line.end(), [](char c) {
          return (static_cast<unsigned char>(c) < 0x20 && c != '\t') ||
                 c == 0x7f;
        })) {
      return InvalidArgumentError(
          "has a header with a bare CR/LF or control byte");
    }
    if (IsSpace(line.front())) {
      return InvalidArgumentError("has a folded header line (not supported)");
    }
    const std::string_view name = line.substr(0, line.find(':'));
    if (name.size() == line.size() || name.empty() ||
        !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return InvalidArgumentError("has a malformed header line (no Name:)");
    }
    auto* slot = IEquals(name, "content-disposition") ? &disposition
                 : IEquals(name, "content-type")      ? &type
                                                      : nullptr;
    if (slot && slot->has_value()) {
      return InvalidArgumentError(std::string(name) + " header repeated");
    }
    if (slot) *slot = Trim(line.substr(name.size() + 1));
  }
  if (!disposition)
    return InvalidArgumentError("has no Content-Disposition name");
  h->content_type = std::string(type.value_or(""));
  auto params = ParseParams("Content-Disposition", *disposition, "form-data",
                            /*any_escape=*/false);
  if (!params.ok()) return params.status();
  bool have_ext_filename = false;
  for (Param& p : *params) {
    if (p.name == "name") {
      h->name = std::move(p.value);
    } else if (p.name == "filename*") {
      ASSIGN_OR_RETURN(h->filename, DecodeExtValue(p.value));
      have_ext_filename = true;
    } else if (p.name == "filename" && !have_ext_filename) {
      h->filename = std::move(p.value);
    }
  }
  if (h->name.empty())
    return InvalidArgumentError("has no Content-Disposition name");
  return OkStatus();
}

}  // namespace

StatusOr<std::string> MultipartBoundary(std::string_view content_type) {
  auto params = ParseParams("Content-Type", content_type, "multipart/form-data",
                            /*any_escape=*/true);
  if (!params.ok()) return params.status();
  for (const Param& p : *params) {
    if (p.name != "boundary") continue;
    const std::string& b = p.value;
    if (b.empty()) return InvalidArgumentError("multipart boundary is empty");
    if (b.size() > 70) {
      return InvalidArgumentError(
          "multipart boundary is longer than 70 characters");
    }
    if (!std::all_of(b.begin(), b.end(), IsBoundaryChar) || b.back() == ' ') {
      return InvalidArgumentError(
          "multipart boundary has a character RFC 2046 forbids");
    }
    return b;
  }
  return InvalidArgumentError(
      "multipart/form-data without a boundary parameter");
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits,
                                 Callbacks callbacks)
    : delimiter_("\r\n--" + boundary),
      limits_(limits),
      callbacks_(std::move(callbacks)),
      hold_("\r\n") {}  // the first delimiter may start the body: fake a CRLF

size_t MultipartParser::buffered_bytes() const {
  return hold_.size() + (state_ == State::kHeaders ? header_buf_.size() : 0);
}

Status MultipartParser::Malformed(std::string_view what) const {
  return InvalidArgumentError(std::string(kPrefix) + std::string(what));
}

Status MultipartParser::Feed(std::string_view chunk) {
  if (!status_.ok()) return status_;
  chunk_ = chunk;
  status_ = FeedInternal(chunk);
  fed_ += chunk.size();
  return status_;
}

Status MultipartParser::Finish() {
  if (!status_.ok()) return status_;
  if (state_ == State::kEpilogue && parts_ > 0) return OkStatus();
  if (state_ == State::kEpilogue) {
    status_ = Malformed("no part before the closing boundary");
  } else if (state_ == State::kPreamble) {
    status_ = Malformed("the boundary delimiter never appears");
  } else {  // truncated, not malformed
    status_ =
        InvalidArgumentError("multipart body ends before its closing boundary");
  }
  return status_;
}

Status MultipartParser::FeedInternal(std::string_view chunk) {
  size_t pos = 0;
  while (pos < chunk.size()) {
    const std::string_view rest = chunk.substr(pos);
    const char c = rest.front();
    switch (state_) {
      case State::kPreamble:
      case State::kData:
      case State::kHeaders: {
        ASSIGN_OR_RETURN(const size_t used, state_ == State::kHeaders
                                                ? ScanHeaders(rest)
                                                : ScanBody(rest));
        pos += used;
        break;
      }
      case State::kDelimiterTail:
      case State::kPadding:
        ++pos;
        if (c == '-' && state_ == State::kDelimiterTail) {
          state_ = State::kDelimiterDash;
        } else if (IsSpace(c)) {
          state_ = State::kPadding;
        } else if (c == '\r') {
          state_ = State::kDelimiterLf;
        } else if (c == '\n') {
          return Malformed("boundary delimiter line ends in a bare LF");
        } else {
          return Malformed("boundary delimiter is followed by byte " +
                           std::to_string(static_cast<unsigned char>(c)) +
                           " instead of CRLF or \"--\"");
        }
        break;
      case State::kDelimiterDash:
        ++pos;
        if (c != '-')
          return Malformed("boundary delimiter is followed by a lone '-'");
        RETURN_IF_ERROR(EndPartIfAny());
        state_ = State::kEpilogue;
        break;
      case State::kDelimiterLf:
        ++pos;
        if (c != '\n')
          return Malformed("boundary delimiter line has a bare CR");
        RETURN_IF_ERROR(EndPartIfAny());
        RETURN_IF_ERROR(BeginPart());
        break;
      case State::kEpilogue:
        pos = chunk.size();
        break;
    }
  }
  return OkStatus();
}

Status MultipartParser::EmitData(std::string_view data) {
  if (state_ != State::kData || data.empty() || !callbacks_.on_part_data) {
    return OkStatus();
  }
  return callbacks_.on_part_data(data);
}

size_t MultipartParser::PartialStart(std::string_view s, size_t from) const {
  for (size_t p = from; p < s.size(); ++p) {
    if (s[p] == '\r' && s.size() - p < delimiter_.size() &&
        std::string_view(delimiter_).starts_with(s.substr(p))) {
      return p;
    }
  }
  return s.size();
}

StatusOr<size_t> MultipartParser::ScanBody(std::string_view c) {
  const size_t d = delimiter_.size();
  if (!hold_.empty()) {
    // hold_ is a proper prefix of the delimiter. Look for a delimiter or a
    // still-possible delimiter start inside hold_; d - 1 bytes of `c` suffice.
    const size_t k = hold_.size();
    scratch_.assign(hold_);
    scratch_.append(c.substr(0, d - 1));
    const std::string_view s = scratch_;
    size_t p = s.find(delimiter_);
    if (p < k) {
      RETURN_IF_ERROR(EmitData(std::string_view(hold_).substr(0, p)));
      hold_.clear();
      state_ = State::kDelimiterTail;
      return p + d - k;
    }
    p = PartialStart(s, 0);  // from p on, s may still start a delimiter
    RETURN_IF_ERROR(EmitData(std::string_view(hold_).substr(0, p)));
    if (p < k) {
      hold_.assign(s.substr(p));
      return c.size();
    }
    hold_.clear();
  }
  const size_t q = c.find(delimiter_);
  if (q != c.npos) {
    RETURN_IF_ERROR(EmitData(c.substr(0, q)));
    state_ = State::kDelimiterTail;
    return q + d;
  }
  // Keep the longest suffix that is a proper prefix of the delimiter.
  const size_t keep_from = PartialStart(c, c.size() - std::min(c.size(), d));
  RETURN_IF_ERROR(EmitData(c.substr(0, keep_from)));
  hold_.assign(c.substr(keep_from));
  return c.size();
}

Status MultipartParser::BeginPart() {
  if (parts_ >= limits_.max_parts) {
    return Malformed("more than " + std::to_string(limits_.max_parts) +
                     " parts");
  }
  ++parts_;
  header_buf_.assign("\r\n");  // the delimiter line's CRLF: finds empty blocks
  state_ = State::kHeaders;
  return OkStatus();
}

StatusOr<size_t> MultipartParser::ScanHeaders(std::string_view c) {
  // header_buf_ = CRLF + block + CRLF at most; the block is capped.
  const size_t max = limits_.max_part_header_bytes;
  const size_t cap = max > SIZE_MAX - 4 ? SIZE_MAX : max + 4;
  const size_t old = header_buf_.size();
  const size_t take = std::min(c.size(), cap - old);
  header_buf_.append(c.substr(0, take));
  const size_t end = header_buf_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (end == std::string::npos) {
    if (header_buf_.size() >= cap) {
      return Malformed(
          "part header too large (part " + std::to_string(parts_) + ", over " +
          std::to_string(limits_.max_part_header_bytes) + " bytes)");
    }
    return take;
  }
  MultipartPartHeader header;
  Status s =
      ParseHeaderBlock(std::string_view(header_buf_).substr(2, end), &header);
  if (!s.ok()) {
    return Malformed("part " + std::to_string(parts_) + " " + s.message());
  }
  header_buf_.clear();
  in_part_ = true;
  state_ = State::kData;
  // `c` lies in the chunk being fed; the data starts after the empty line.
  part_data_offset_ =
      fed_ + static_cast<uint64_t>(c.data() - chunk_.data()) + (end + 4 - old);
  if (callbacks_.on_part_begin)
    RETURN_IF_ERROR(callbacks_.on_part_begin(header));
  return end + 4 - old;
}

Status MultipartParser::EndPartIfAny() {
  if (!in_part_) return OkStatus();
  in_part_ = false;
  return callbacks_.on_part_end ? callbacks_.on_part_end() : OkStatus();
}

StatusOr<std::vector<MultipartPart>> ParseMultipart(
    std::string_view body, std::string_view boundary,
    const MultipartLimits& limits) {
  std::vector<MultipartPart> parts;
  const std::less<const char*> before;
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&](const MultipartPartHeader& h) {
    parts.push_back({h, std::string_view()});
    return OkStatus();
  };
  cb.on_part_data = [&](std::string_view data) {
    std::string_view& b = parts.back().body;
    // Fed in one piece, data always lies in `body`: check rather than assume.
    if (before(data.data(), body.data()) ||
        before(body.data() + body.size(), data.data() + data.size()) ||
        (!b.empty() && b.data() + b.size() != data.data())) {
      return InternalError("multipart part data is not a contiguous view");
    }
    b = b.empty() ? data : std::string_view(b.data(), b.size() + data.size());
    return OkStatus();
  };
  MultipartParser parser(std::string(boundary), limits, std::move(cb));
  RETURN_IF_ERROR(parser.Feed(body));
  RETURN_IF_ERROR(parser.Finish());
  return parts;
}

}  // namespace ocr
