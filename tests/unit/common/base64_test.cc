#include "common/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ocr::base64 {
namespace {

struct Vector {
  std::string plain;
  std::string encoded;
};

const std::vector<Vector>& Rfc4648Vectors() {
  static const std::vector<Vector> kVectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  return kVectors;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(byte(rng));
  return out;
}

TEST(Base64Test, EncodesRfc4648Vectors) {
  for (const auto& v : Rfc4648Vectors()) {
    EXPECT_EQ(Encode(v.plain), v.encoded) << "plain: " << v.plain;
  }
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  for (const auto& v : Rfc4648Vectors()) {
    auto decoded = Decode(v.encoded);
    ASSERT_TRUE(decoded.ok())
        << v.encoded << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, v.plain) << v.encoded;
  }
}

TEST(Base64Test, EncodeAppendAppendsWithoutTouchingPrefix) {
  std::string out = "prefix:";
  EncodeAppend(out, "foobar");
  EXPECT_EQ(out, "prefix:Zm9vYmFy");
  EncodeAppend(out, "f");
  EXPECT_EQ(out, "prefix:Zm9vYmFyZg==");
}

TEST(Base64Test, EncodesAllByteValues) {
  EXPECT_EQ(Encode(std::string("\x00\x00\x00", 3)), "AAAA");
  EXPECT_EQ(Encode("\xff\xff\xff"), "////");
  EXPECT_EQ(Encode("\xfb\xef\xbe"), "++++");
}

TEST(Base64Test, RoundTripsRandomBinaryOfManyLengths) {
  std::mt19937 rng(20240607);
  for (size_t n = 0; n <= 3000; ++n) {
    const std::string bytes = RandomBytes(rng, n);
    const std::string encoded = Encode(bytes);
    ASSERT_EQ(encoded.size(), (n + 2) / 3 * 4) << "length " << n;
    auto decoded = Decode(encoded);
    ASSERT_TRUE(decoded.ok())
        << "length " << n << ": " << decoded.status().ToString();
    ASSERT_EQ(*decoded, bytes) << "length " << n;
  }
}

TEST(Base64Test, AcceptsMissingPadding) {
  for (const auto& v : Rfc4648Vectors()) {
    std::string unpadded = v.encoded;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    auto decoded = Decode(unpadded);
    ASSERT_TRUE(decoded.ok())
        << unpadded << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, v.plain) << unpadded;
  }
}

TEST(Base64Test, SkipsMimeLineBreaksAndWhitespace) {
  std::mt19937 rng(7);
  const std::string bytes = RandomBytes(rng, 1000);
  const std::string encoded = Encode(bytes);
  // MIME wraps at 76 characters with CRLF.
  std::string wrapped;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    wrapped += encoded.substr(i, 76);
    wrapped += "\r\n";
  }
  auto decoded = Decode(wrapped);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, bytes);

  auto spaced = Decode(" Zm9v\tYm\nFy \v\f");
  ASSERT_TRUE(spaced.ok()) << spaced.status().ToString();
  EXPECT_EQ(*spaced, "foobar");

  auto padded = Decode("Zm9vYg==\n");
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(*padded, "foob");

  auto blank = Decode(" \r\n\t");
  ASSERT_TRUE(blank.ok()) << blank.status().ToString();
  EXPECT_EQ(*blank, "");
}

TEST(Base64Test, RejectsInvalidCharactersNamingOffset) {
  struct Case {
    std::string text;
    size_t offset;
  };
  const std::vector<Case> cases = {
      {"Zm9v*mFy", 4},     {"!m9v", 0},    {"Zm9vYmF-", 7},
      {"Zm9v_", 4},        {"Zm 9v.Y", 5}, {std::string("Zm\0v", 4), 2},
      {"Zm9v\xc3\xa9", 4},
  };
  for (const auto& c : cases) {
    auto decoded = Decode(c.text);
    ASSERT_FALSE(decoded.ok()) << c.text;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(
        decoded.status().message().find("offset " + std::to_string(c.offset)),
        std::string::npos)
        << c.text << " -> " << decoded.status().message();
  }
}

TEST(Base64Test, RejectsBadPadding) {
  const std::vector<std::string> bad = {
      "QQ=",        // "QQ" needs two '=' when padded
      "QUI==",      // "QUI" needs exactly one
      "QQ===",      // three '='
      "=",          // padding alone
      "==",         // padding alone
      "Zm=9v",      // '=' in the middle
      "Zm9v=Ym9v",  // '=' between quanta
      "QQ==QQ==",   // padding then more data
      "Q",          // length % 4 == 1
      "Zm9vY",      // length % 4 == 1
      "Zm9vY===",   // one symbol then padding
  };
  for (const auto& text : bad) {
    auto decoded = Decode(text);
    EXPECT_FALSE(decoded.ok())
        << '"' << text << "\" decoded to " << (decoded.ok() ? *decoded : "");
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(Base64Test, AcceptsCorrectPadding) {
  auto one = Decode("QQ==");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, "A");
  auto two = Decode("QUI=");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, "AB");
}

TEST(Base64Test, FuzzNeverCrashesAndReencodesConsistently) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
      "===== \n\r\t";
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> len_dist(0, 64);
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::uniform_int_distribution<int> junk_chance(0, 49);
  std::uniform_int_distribution<int> byte(0, 255);
  int successes = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const size_t n = len_dist(rng);
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      text.push_back(junk_chance(rng) == 0 ? static_cast<char>(byte(rng))
                                           : kAlphabet[pick(rng)]);
    }
    auto decoded = Decode(text);
    if (!decoded.ok()) {
      ASSERT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << text;
      continue;
    }
    ++successes;
    ASSERT_LE(decoded->size(), text.size() * 3 / 4 + 3) << text;
    auto again = Decode(Encode(*decoded));
    ASSERT_TRUE(again.ok()) << text;
    ASSERT_EQ(*again, *decoded) << text;
  }
  // The generator must exercise the success path, not only errors.
  EXPECT_GT(successes, 100);
}

}  // namespace
}  // namespace ocr::base64
