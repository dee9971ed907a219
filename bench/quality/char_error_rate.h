// Character error rate (CER) of a recognised text against its expected text,
// the measure bench/quality.sh reports (through ocr_bench_cer).
//
// Both texts are decoded from UTF-8 to code points (an invalid byte counts
// as one code point of its own, equal only to the same invalid byte), every
// run of whitespace (form feeds and Unicode spaces included) becomes one
// space and the ends are trimmed; the CER is then the Levenshtein distance
// (insertions, deletions and substitutions of one code point, each costing
// 1) divided by the number of code points of the expected text.
#ifndef OCR_BENCH_QUALITY_CHAR_ERROR_RATE_H_
#define OCR_BENCH_QUALITY_CHAR_ERROR_RATE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ocr::bench {

// The texts' longest side the distance is computed for: O(n*m) time.
inline constexpr std::size_t kMaxCerChars = 200'000;

// Code points of a UTF-8 text. Invalid bytes (a stray continuation byte, an
// overlong or truncated sequence, a surrogate, anything past U+10FFFF) are
// each one element, 0x110000 + the byte: outside Unicode, so never equal to
// a real character.
std::u32string DecodeUtf8(std::string_view text);

// Every run of whitespace becomes one space; none at either end.
std::u32string NormalizeWhitespace(std::u32string_view text);

// Levenshtein distance over code points; memory O(min(|a|, |b|)).
std::size_t EditDistance(std::u32string_view a, std::u32string_view b);

struct CerResult {
  double cer = 0;               // edits / truth_chars (see Cer)
  std::size_t edits = 0;        // the edit distance
  std::size_t truth_chars = 0;  // code points of the normalised truth
};

// The CER of `hypothesis` against `truth`, both UTF-8. An empty truth gives
// 0 for an empty hypothesis and 1 otherwise (edits still counts the
// hypothesis's characters). nullopt when either normalised text is longer
// than kMaxCerChars; `error` (when given) then says which.
std::optional<CerResult> Cer(std::string_view truth,
                             std::string_view hypothesis,
                             std::string* error = nullptr);

// {"cer":0.0123,"edits":3,"truth_chars":243}
std::string CerJson(const CerResult& result);

}  // namespace ocr::bench

#endif  // OCR_BENCH_QUALITY_CHAR_ERROR_RATE_H_
