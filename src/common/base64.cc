#include "common/base64.h"

#include <array>
#include <cstdint>

namespace ocr::base64 {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xFF;
constexpr uint8_t kSpace = 0xFE;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = i;
  for (char c : {' ', '\n', '\r', '\t', '\v', '\f'}) {
    t[static_cast<uint8_t>(c)] = kSpace;
  }
  return t;
}
constexpr auto kDecode = MakeDecodeTable();

}  // namespace

void EncodeAppend(std::string& out, std::string_view bytes) {
  const size_t start = out.size();
  out.resize(start + (bytes.size() + 2) / 3 * 4);
  char* dst = out.data() + start;
  const auto* src = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = src[i] << 16;
    if (rest == 2) v |= src[i + 1] << 8;
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    *dst++ = '=';
  }
}

std::string Encode(std::string_view bytes) {
  std::string out;
  EncodeAppend(out, bytes);
  return out;
}

StatusOr<std::string> Decode(std::string_view text) {
  // Strip trailing padding (at most two '='), then whitespace around it.
  size_t end = text.size();
  while (end > 0 && kDecode[static_cast<uint8_t>(text[end - 1])] == kSpace)
    --end;
  int pad = 0;
  while (end > 0 && text[end - 1] == '=' && pad < 2) {
    --end;
    ++pad;
  }
  std::string out;
  out.resize(end / 4 * 3 + 3);
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  const auto* src = reinterpret_cast<const uint8_t*>(text.data());
  size_t n = 0;  // output bytes
  size_t i = 0;
  // Fast path: four valid symbols at a time.
  while (i + 4 <= end) {
    const uint8_t a = kDecode[src[i]], b = kDecode[src[i + 1]],
                  c = kDecode[src[i + 2]], d = kDecode[src[i + 3]];
    if ((a | b | c | d) & 0xC0) break;  // whitespace or invalid: slow path
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    dst[n++] = static_cast<uint8_t>(v >> 16);
    dst[n++] = static_cast<uint8_t>(v >> 8);
    dst[n++] = static_cast<uint8_t>(v);
    i += 4;
  }
  // Slow path: handles whitespace and the tail.
  uint32_t acc = 0;
  int have = 0;
  for (; i < end; ++i) {
    const uint8_t v = kDecode[src[i]];
    if (v == kSpace) continue;
    if (v == kInvalid) {
      return InvalidArgumentError("invalid base64 character at offset " +
                                  std::to_string(i));
    }
    acc = (acc << 6) | v;
    if (++have == 4) {
      dst[n++] = static_cast<uint8_t>(acc >> 16);
      dst[n++] = static_cast<uint8_t>(acc >> 8);
      dst[n++] = static_cast<uint8_t>(acc);
      acc = 0;
      have = 0;
      // Re-enter the fast path when aligned again.
      while (i + 5 <= end) {
        const uint8_t a = kDecode[src[i + 1]], b = kDecode[src[i + 2]],
                      c = kDecode[src[i + 3]], d = kDecode[src[i + 4]];
        if ((a | b | c | d) & 0xC0) break;
        const uint32_t w = (a << 18) | (b << 12) | (c << 6) | d;
        dst[n++] = static_cast<uint8_t>(w >> 16);
        dst[n++] = static_cast<uint8_t>(w >> 8);
        dst[n++] = static_cast<uint8_t>(w);
        i += 4;
      }
    }
  }
  if (have == 1) {
    return InvalidArgumentError("invalid base64 length (one symbol too many)");
  }
  if (have == 2) {
    dst[n++] = static_cast<uint8_t>(acc >> 4);
  } else if (have == 3) {
    dst[n++] = static_cast<uint8_t>(acc >> 10);
    dst[n++] = static_cast<uint8_t>(acc >> 2);
  }
  if (pad > 0 && (have == 0 || have + pad != 4)) {
    return InvalidArgumentError("invalid base64 padding");
  }
  out.resize(n);
  return out;
}

}  // namespace ocr::base64
