#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ocr::json {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(JsonWriterTest, QuotesPlainAscii) {
  EXPECT_EQ(Quote(""), "\"\"");
  EXPECT_EQ(Quote("hello world 123 {}[]:,/"), "\"hello world 123 {}[]:,/\"");
}

TEST(JsonWriterTest, EscapesQuoteAndBackslash) {
  EXPECT_EQ(Quote("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(Quote("C:\\path\\"), R"("C:\\path\\")");
  EXPECT_EQ(Quote("\\\""), R"("\\\"")");
}

TEST(JsonWriterTest, EscapesNamedControlCharacters) {
  EXPECT_EQ(Quote("a\nb"), R"("a\nb")");
  EXPECT_EQ(Quote("a\rb"), R"("a\rb")");
  EXPECT_EQ(Quote("a\tb"), R"("a\tb")");
  EXPECT_EQ(Quote("a\bb"), R"("a\bb")");
  EXPECT_EQ(Quote("a\fb"), R"("a\fb")");
  EXPECT_EQ(Quote("\n\r\t\b\f"), R"("\n\r\t\b\f")");
}

TEST(JsonWriterTest, EscapesOtherControlCharactersAsUnicode) {
  EXPECT_EQ(Quote(std::string("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Quote("\x01"), R"("\u0001")");
  EXPECT_EQ(Quote("\x0b"), R"("\u000b")");
  EXPECT_EQ(Quote("\x1b[0m"), R"("\u001b[0m")");
  EXPECT_EQ(Quote("\x1f"), R"("\u001f")");
  // DEL (0x7f) is legal in JSON strings and passes through.
  EXPECT_EQ(Quote("\x7f"), "\"\x7f\"");
  // Every byte below 0x20 is escaped somehow.
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = Quote(std::string(1, static_cast<char>(c)));
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(out[1], '\\') << "byte " << c;
  }
}

TEST(JsonWriterTest, PassesValidMultiByteUtf8Through) {
  const std::vector<std::string> valid = {
      "caf\xC3\xA9",               // é (2 bytes)
      "\xE2\x82\xAC 100",          // € (3 bytes)
      "\xE4\xB8\xAD\xE6\x96\x87",  // 中文
      "\xF0\x9F\x98\x80",          // 😀 (4 bytes)
      "\xC2\x80",                  // U+0080, smallest 2-byte
      "\xE0\xA0\x80",              // U+0800, smallest 3-byte
      "\xED\x9F\xBF",              // U+D7FF, just below surrogates
      "\xEE\x80\x80",              // U+E000, just above surrogates
      "\xF0\x90\x80\x80",          // U+10000, smallest 4-byte
      "\xF4\x8F\xBF\xBF",          // U+10FFFF, the largest
      "\xEF\xBF\xBD",              // U+FFFD itself
  };
  for (const auto& s : valid) {
    EXPECT_EQ(Quote(s), "\"" + s + "\"") << s;
  }
}

TEST(JsonWriterTest, ReplacesInvalidUtf8) {
  // Each invalid byte that cannot start a valid sequence becomes one U+FFFD.
  EXPECT_EQ(Quote("a\x80z"), "\"a" + kReplacement + "z\"");  // continuation
  EXPECT_EQ(Quote("\xBF"), "\"" + kReplacement + "\"");
  EXPECT_EQ(Quote("a\xC3"), "\"a" + kReplacement + "\"");  // truncated at end
  EXPECT_EQ(Quote("\xE2\x82z"),  // truncated 3-byte sequence
            "\"" + kReplacement + kReplacement + "z\"");
  EXPECT_EQ(Quote("\xC0\x80"),  // overlong NUL
            "\"" + kReplacement + kReplacement + "\"");
  EXPECT_EQ(Quote("\xE0\x80\xAF"),  // overlong '/'
            "\"" + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(Quote("\xED\xA0\x80"),  // surrogate U+D800
            "\"" + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(
      Quote("\xF4\x90\x80\x80"),  // U+110000 > U+10FFFF
      "\"" + kReplacement + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(Quote("\xFF\xFE"), "\"" + kReplacement + kReplacement + "\"");
  EXPECT_EQ(Quote("\xF8\x88\x80\x80\x80"),  // 5-byte form
            "\"" + kReplacement + kReplacement + kReplacement + kReplacement +
                kReplacement + "\"");
}

TEST(JsonWriterTest, ValidTextAroundInvalidBytesIsKept) {
  EXPECT_EQ(Quote("caf\xC3\xA9\x80\"x\""),
            "\"caf\xC3\xA9" + kReplacement + "\\\"x\\\"\"");
  // A truncated sequence followed by a valid one keeps the valid one.
  EXPECT_EQ(Quote("\xE2\x82\xC3\xA9"),
            "\"" + kReplacement + kReplacement + "\xC3\xA9\"");
}

TEST(JsonWriterTest, AppendStringAppends) {
  std::string out = "[";
  AppendString(out, "a");
  out += ",";
  AppendString(out, "b\n");
  out += "]";
  EXPECT_EQ(out, R"(["a","b\n"])");
}

TEST(JsonWriterTest, ErrorBodyShape) {
  EXPECT_EQ(ErrorBody("model not found"), R"({"error":"model not found"})");
  EXPECT_EQ(ErrorBody(""), R"({"error":""})");
  EXPECT_EQ(ErrorBody("bad \"x\"\nline2"), R"({"error":"bad \"x\"\nline2"})");
  EXPECT_EQ(ErrorBody("\xC0"), "{\"error\":\"" + kReplacement + "\"}");
}

TEST(JsonWriterTest, FuzzOutputIsAlwaysAQuotedStringWithoutRawControls) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<size_t> len_dist(0, 48);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s(len_dist(rng), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    const std::string out = Quote(s);
    ASSERT_GE(out.size(), 2u);
    ASSERT_EQ(out.front(), '"');
    ASSERT_EQ(out.back(), '"');
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_GE(static_cast<unsigned char>(out[i]), 0x20)
          << "raw control byte at " << i << " in iteration " << iter;
    }
    // Every '"' inside is escaped: an unescaped one would end the string.
    bool escaped = false;
    for (size_t i = 1; i + 1 < out.size(); ++i) {
      if (escaped) {
        escaped = false;
      } else if (out[i] == '\\') {
        escaped = true;
      } else {
        ASSERT_NE(out[i], '"') << "unescaped quote in iteration " << iter;
      }
    }
    ASSERT_FALSE(escaped) << "dangling backslash in iteration " << iter;
    // Bytes >= 0x80 only appear as valid UTF-8, so the output never holds
    // 0xC0, 0xC1 or 0xF5..0xFF.
    for (char c : out) {
      const auto u = static_cast<unsigned char>(c);
      ASSERT_TRUE(u != 0xC0 && u != 0xC1 && u < 0xF5) << "iteration " << iter;
    }
  }
}

}  // namespace
}  // namespace ocr::json
