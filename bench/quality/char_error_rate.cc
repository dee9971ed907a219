#include "quality/char_error_rate.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace ocr::bench {
namespace {

constexpr char32_t kInvalidBase = 0x110000;

bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Unicode's White_Space property (PropList.txt).
bool IsSpace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

}  // namespace

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b0 = s[i];
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte (RFC 3629, table 3-7
    // of the Unicode standard): this rules out overlong forms, surrogates and
    // code points past U+10FFFF.
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    }
    bool ok = len != 0 && i + len <= n && s[i + 1] >= lo && s[i + 1] <= hi;
    for (std::size_t k = 2; ok && k < len; ++k) ok = IsContinuation(s[i + k]);
    if (!ok) {
      out.push_back(kInvalidBase + b0);
      ++i;
      continue;
    }
    char32_t c = b0 & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) c = (c << 6) | (s[i + k] & 0x3F);
    out.push_back(c);
    i += len;
  }
  return out;
}

std::u32string NormalizeWhitespace(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char32_t c : text) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::size_t EditDistance(std::u32string_view a, std::u32string_view b) {
  // What both share at either end costs nothing: drop it first.
  while (!a.empty() && !b.empty() && a.front() == b.front()) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  while (!a.empty() && !b.empty() && a.back() == b.back()) {
    a.remove_suffix(1);
    b.remove_suffix(1);
  }
  if (a.size() < b.size()) std::swap(a, b);  // b is the shorter: one row of it
  if (b.empty()) return a.size();
  // row[j]: the distance between the first i characters of a and the first
  // j of b, for the current i.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];  // row[i-1][j-1]
    row[0] = i;
    const char32_t ca = a[i - 1];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];  // row[i-1][j]
      const std::size_t substitute = diagonal + (ca == b[j - 1] ? 0 : 1);
      row[j] = std::min({up + 1, row[j - 1] + 1, substitute});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::optional<CerResult> Cer(std::string_view truth,
                             std::string_view hypothesis, std::string* error) {
  const std::u32string t = NormalizeWhitespace(DecodeUtf8(truth));
  const std::u32string h = NormalizeWhitespace(DecodeUtf8(hypothesis));
  const auto too_long = [error](const char* what, std::size_t size) {
    if (size <= kMaxCerChars) return false;
    if (error != nullptr) {
      *error = std::string("the ") + what + " has " + std::to_string(size) +
               " characters after normalising whitespace; at most " +
               std::to_string(kMaxCerChars) +
               " are supported (the distance takes O(n*m) time)";
    }
    return true;
  };
  if (too_long("truth", t.size()) || too_long("hypothesis", h.size())) {
    return std::nullopt;
  }
  CerResult result;
  result.edits = EditDistance(t, h);
  result.truth_chars = t.size();
  if (t.empty()) {
    result.cer = result.edits == 0 ? 0.0 : 1.0;
  } else {
    result.cer = static_cast<double>(result.edits) /
                 static_cast<double>(result.truth_chars);
  }
  return result;
}

std::string CerJson(const CerResult& result) {
  char buf[128];
  std::snprintf(buf, sizeof buf,
                R"({"cer":%.4f,"edits":%zu,"truth_chars":%zu})", result.cer,
                result.edits, result.truth_chars);
  return buf;
}

}  // namespace ocr::bench
