// Fuzzes common/base64: Decode on arbitrary text against a slow reference
// decoder written from the header's rules, and Encode/Decode round trips.
//
// base64::Decode has a fast path (four symbols at a time) and a slow path
// (whitespace, the tail) that hands back to the fast path once aligned; a
// byte-at-a-time reference catches a path switch that drops or misplaces
// bits, which a round trip alone would not (Encode never emits whitespace).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "fuzz_check.h"

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' ||
         c == '\f';
}

// The rules base64.h states, made precise the way base64.cc applies them:
// trailing whitespace, then at most two '=' at the very end are padding;
// before that only symbols and whitespace; a lone final symbol is an error;
// padding, when present, must complete the last group of four. Unused low
// bits of the last symbol are ignored (non-canonical input is accepted).
std::optional<std::string> ReferenceDecode(std::string_view text) {
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  int pad = 0;
  while (pad < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++pad;
  }
  std::string out;
  uint32_t bits = 0;
  int nbits = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (IsSpace(c)) continue;
    const size_t v = kAlphabet.find(c);
    if (v == kAlphabet.npos) return std::nullopt;
    ++symbols;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xFF));
    }
  }
  const size_t tail = symbols % 4;
  if (tail == 1) return std::nullopt;
  if (pad > 0 && (tail == 0 || tail + pad != 4)) return std::nullopt;
  return out;
}

// MIME-style wrapping: CRLF after every `width` characters.
std::string Wrap(std::string_view text, size_t width) {
  std::string out;
  for (size_t i = 0; i < text.size(); i += width) {
    out.append(text.substr(i, width));
    out.append("\r\n");
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. The input as base64 text: the decoder agrees with the reference, and
  // what it decodes re-encodes to something that decodes the same.
  auto decoded = ocr::base64::Decode(input);
  const std::optional<std::string> expected = ReferenceDecode(input);
  if (decoded.ok() != expected.has_value()) {
    std::fprintf(stderr, "Decode says %s, the reference %s\n",
                 decoded.ok() ? "ok" : decoded.status().message().c_str(),
                 expected ? "ok" : "invalid");
    std::abort();
  }
  if (decoded.ok()) {
    FUZZ_CHECK(*decoded == *expected);
    auto again = ocr::base64::Decode(ocr::base64::Encode(*decoded));
    FUZZ_CHECK(again.ok() && *again == *decoded);
  } else {
    FUZZ_CHECK(decoded.status().code() == ocr::StatusCode::kInvalidArgument);
  }

  // 2. The input as bytes: encode, then decode back, padded or not, wrapped
  // or not (odd widths misalign the fast path on purpose).
  const std::string encoded = ocr::base64::Encode(input);
  FUZZ_CHECK(encoded.size() == (size + 2) / 3 * 4);
  for (size_t i = 0; i < encoded.size(); ++i) {
    const bool padding = encoded[i] == '=' && i + 2 >= encoded.size();
    FUZZ_CHECK(kAlphabet.find(encoded[i]) != kAlphabet.npos || padding);
  }
  std::string appended = "prefix";
  ocr::base64::EncodeAppend(appended, input);
  FUZZ_CHECK(appended == "prefix" + encoded);

  std::string unpadded = encoded;
  while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
  const size_t width = size == 0 ? 1 : 1 + data[0] % 80;
  for (const std::string& text :
       {encoded, unpadded, Wrap(encoded, 76), Wrap(unpadded, width)}) {
    auto back = ocr::base64::Decode(text);
    FUZZ_CHECK(back.ok() && *back == input);
  }
  return 0;
}
