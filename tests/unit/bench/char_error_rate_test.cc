// The character error rate bench/quality.sh reports (bench/quality).
#include "quality/char_error_rate.h"

#include <gtest/gtest.h>

#include <string>

namespace ocr::bench {
namespace {

CerResult MustCer(std::string_view truth, std::string_view hypothesis) {
  std::string error;
  auto result = Cer(truth, hypothesis, &error);
  EXPECT_TRUE(result.has_value()) << error;
  return result.value_or(CerResult{});
}

TEST(CharErrorRate, IdenticalTextsHaveNoError) {
  const CerResult r = MustCer("The quick brown dog", "The quick brown dog");
  EXPECT_EQ(r.edits, 0u);
  EXPECT_EQ(r.truth_chars, 19u);
  EXPECT_EQ(r.cer, 0.0);
}

TEST(CharErrorRate, OneSubstitution) {
  const CerResult r = MustCer("lazy fox", "lazy f0x");
  EXPECT_EQ(r.edits, 1u);
  EXPECT_EQ(r.truth_chars, 8u);
  EXPECT_DOUBLE_EQ(r.cer, 1.0 / 8.0);
}

TEST(CharErrorRate, InsertionsAndDeletions) {
  EXPECT_EQ(MustCer("point", "poiint").edits, 1u);    // one inserted
  EXPECT_EQ(MustCer("point", "pint").edits, 1u);      // one deleted
  EXPECT_EQ(MustCer("kitten", "sitting").edits, 3u);  // the textbook case
  EXPECT_EQ(MustCer("abc", "").edits, 3u);            // all deleted
  EXPECT_DOUBLE_EQ(MustCer("abc", "").cer, 1.0);
  // More inserted than the truth holds: the rate passes 1.
  const CerResult r = MustCer("ab", "xxabyy");
  EXPECT_EQ(r.edits, 4u);
  EXPECT_DOUBLE_EQ(r.cer, 2.0);
}

TEST(CharErrorRate, WhitespaceIsNormalised) {
  // Runs of spaces, tabs, newlines and form feeds are one space; the ends
  // are trimmed; so a page split or a line break costs nothing.
  const CerResult r = MustCer("This is a lot\nof 12 point text\n",
                              "  This is a\tlot of\f12 "
                              "point\n\ntext\f");
  EXPECT_EQ(r.edits, 0u);
  EXPECT_EQ(r.truth_chars, 30u);
  // But a missing space between two words is an error.
  EXPECT_EQ(MustCer("a b", "ab").edits, 1u);
  // Unicode spaces count as whitespace too (U+00A0, U+3000).
  EXPECT_EQ(MustCer("a b c",
                    "a\xC2\xA0"
                    "b\xE3\x80\x80"
                    "c")
                .edits,
            0u);
}

TEST(CharErrorRate, MultibyteCharactersAreOneEach) {
  // é is two bytes, € three, 😀 four: each is one character.
  EXPECT_EQ(MustCer("caf\xC3\xA9", "cafe").edits, 1u);
  EXPECT_EQ(MustCer("caf\xC3\xA9", "caf\xC3\xA9").edits, 0u);
  EXPECT_EQ(MustCer("caf\xC3\xA9", "caf\xC3\xA9").truth_chars, 4u);
  const CerResult r = MustCer("5 \xE2\x82\xAC \xF0\x9F\x98\x80", "5 $ :)");
  EXPECT_EQ(r.truth_chars, 5u);
  EXPECT_EQ(r.edits, 3u);  // € -> $, 😀 -> : and an inserted )
}

TEST(CharErrorRate, EmptyTruth) {
  EXPECT_EQ(MustCer("", "").cer, 0.0);
  EXPECT_EQ(MustCer(" \n\f ", "").truth_chars, 0u);
  const CerResult r = MustCer("", "text");
  EXPECT_EQ(r.truth_chars, 0u);
  EXPECT_EQ(r.edits, 4u);
  EXPECT_EQ(r.cer, 1.0);
}

TEST(Utf8, DecodesValidSequences) {
  EXPECT_EQ(DecodeUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            std::u32string(U"a\u00E9\u20AC\U0001F600"));
  EXPECT_EQ(DecodeUtf8("\xF4\x8F\xBF\xBF"), std::u32string(U"\U0010FFFF"));
}

TEST(Utf8, InvalidBytesAreOneCharacterEach) {
  // A lone continuation byte, a truncated sequence, an overlong '/', a
  // surrogate and a byte past U+10FFFF: every byte stands for itself.
  EXPECT_EQ(DecodeUtf8("\x80").size(), 1u);
  EXPECT_EQ(DecodeUtf8("\xE2\x82").size(), 2u);
  EXPECT_EQ(DecodeUtf8("\xC0\xAF").size(), 2u);
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80").size(), 3u);
  EXPECT_EQ(DecodeUtf8("\xF5\x80\x80\x80").size(), 4u);
  // Invalid bytes never equal a real character, only themselves.
  EXPECT_EQ(MustCer("\xFF", "\xFF").edits, 0u);
  EXPECT_EQ(MustCer("\xFF", "\xC3\xBF").edits, 1u);  // U+00FF is not 0xFF
  EXPECT_EQ(MustCer("ab\xE2\x82"
                    "cd",
                    "abcd")
                .edits,
            2u);
}

TEST(CharErrorRate, DistanceIsSymmetricAndUsesTheShorterRow) {
  const std::u32string a = U"the quick brown dog jumped over the lazy fox";
  const std::u32string b = U"teh quick brwn dgo jumped ovr the lazy fox!";
  EXPECT_EQ(EditDistance(a, b), EditDistance(b, a));
  EXPECT_EQ(EditDistance(a, U""), a.size());
  EXPECT_EQ(EditDistance(U"", a), a.size());
}

TEST(CharErrorRate, RefusesTextsTooLongForTheQuadraticDistance) {
  const std::string big(kMaxCerChars + 1, 'x');
  std::string error;
  EXPECT_FALSE(Cer(big, "x", &error).has_value());
  EXPECT_NE(error.find("truth"), std::string::npos) << error;
  EXPECT_FALSE(Cer("x", big, &error).has_value());
  EXPECT_NE(error.find("hypothesis"), std::string::npos) << error;
  // The limit itself is fine, and identical long texts are quick (the
  // shared prefix is dropped before the quadratic part).
  const std::string limit(kMaxCerChars, 'y');
  EXPECT_EQ(MustCer(limit, limit).edits, 0u);
}

TEST(CharErrorRate, Json) {
  CerResult r;
  r.cer = 3.0 / 243.0;
  r.edits = 3;
  r.truth_chars = 243;
  EXPECT_EQ(CerJson(r), R"({"cer":0.0123,"edits":3,"truth_chars":243})");
}

}  // namespace
}  // namespace ocr::bench
