// Job ids and the jobs API's request values: Prefer, Idempotency-Key, the
// long-poll `wait` and the NDJSON cursor `after` (gateway/jobs/job_request.h).
#include "gateway/jobs/job_request.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/jobs/job_store.h"

namespace ocr::jobs {
namespace {

using std::chrono::milliseconds;

TEST(JobIdTest, NewIdsAre26LowerBase32CharactersAndDistinct) {
  std::set<std::string> seen;
  std::array<int, 256> counts{};
  for (int i = 0; i < 2000; ++i) {
    const std::string id = NewJobId();
    ASSERT_EQ(id.size(), 26u) << id;
    EXPECT_TRUE(ValidJobId(id)) << id;
    // The first character carries the top 3 of the 128 bits.
    EXPECT_LE(id[0], '7') << id;
    for (char c : id) {
      EXPECT_EQ(std::string_view("ilou").find(c), std::string_view::npos) << id;
      ++counts[static_cast<unsigned char>(c)];
    }
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 2000u);
  // 2000 * 25 characters over 32 symbols: each about 1560 times. A broken
  // generator (zeros, a counter, a stuck bit) falls far outside.
  for (char c : std::string_view("0123456789abcdefghjkmnpqrstvwxyz")) {
    EXPECT_GT(counts[static_cast<unsigned char>(c)], 1000) << c;
  }
}

TEST(JobIdTest, ValidJobIdChecksLengthAndAlphabet) {
  EXPECT_TRUE(ValidJobId("0123456789abcdefghjkmnpqrs"));
  EXPECT_FALSE(ValidJobId(""));
  EXPECT_FALSE(ValidJobId("0123456789abcdefghjkmnpqr"));    // 25
  EXPECT_FALSE(ValidJobId("0123456789abcdefghjkmnpqrst"));  // 27
  EXPECT_FALSE(ValidJobId("0123456789ABCDEFGHJKMNPQRS"));   // upper case
  EXPECT_FALSE(ValidJobId("0123456789abcdefghjkmnpq/s"));
  EXPECT_FALSE(ValidJobId("../../../../etc/passwd0000"));
  EXPECT_FALSE(ValidJobId(std::string_view("0123456789abcdefghjkmnpq\0s", 26)));
}

Preferences Prefer(std::string_view value) {
  Preferences prefs;
  ParsePreferHeader(value, &prefs);
  return prefs;
}

TEST(PreferTest, RespondAsyncAndWait) {
  auto p = Prefer("respond-async, wait=10");
  EXPECT_TRUE(p.respond_async);
  EXPECT_EQ(p.wait_seconds, 10);

  p = Prefer("wait=5");
  EXPECT_FALSE(p.respond_async);
  EXPECT_EQ(p.wait_seconds, 5);

  p = Prefer("");
  EXPECT_FALSE(p.respond_async);
  EXPECT_FALSE(p.wait_seconds);
}

TEST(PreferTest, NamesAreCaseInsensitiveAndSpacesAreSkipped) {
  auto p = Prefer("  Respond-Async ;  foo = \"bar, baz\" ,WAIT = \"7\"  ");
  EXPECT_TRUE(p.respond_async);
  EXPECT_EQ(p.wait_seconds, 7);
}

TEST(PreferTest, WaitIsCappedAndTheFirstOneCounts) {
  EXPECT_EQ(Prefer("wait=3600").wait_seconds, kMaxWaitSeconds);
  EXPECT_EQ(Prefer("wait=99999999999999999999999").wait_seconds,
            kMaxWaitSeconds);
  EXPECT_EQ(Prefer("wait=0").wait_seconds, 0);
  EXPECT_EQ(Prefer("wait=2, wait=9").wait_seconds, 2);
  // The first `wait` is not a number: no wait at all (RFC 7240 section 2).
  EXPECT_FALSE(Prefer("wait=soon, wait=9").wait_seconds);
  EXPECT_FALSE(Prefer("wait=-1").wait_seconds);
  EXPECT_FALSE(Prefer("wait=1.5").wait_seconds);
}

TEST(PreferTest, JunkIsIgnoredUpToItsComma) {
  auto p = Prefer("=x, \"quoted\", wait=\"unterminated, respond-async");
  // The unterminated quote runs to the end: respond-async is inside it.
  EXPECT_FALSE(p.respond_async);
  EXPECT_FALSE(p.wait_seconds);

  p = Prefer("bad token here, respond-async, wait=4; x=\"a\\\"b\"");
  EXPECT_TRUE(p.respond_async);
  EXPECT_EQ(p.wait_seconds, 4);

  p = Prefer("respond-async; =broken, wait=3");
  EXPECT_FALSE(p.respond_async);  // its parameter does not parse
  EXPECT_EQ(p.wait_seconds, 3);

  p = Prefer(",,, respond-async;;; ,");
  EXPECT_TRUE(p.respond_async);

  p = Prefer(std::string_view("respond-async\0, wait=1", 22));
  EXPECT_FALSE(p.respond_async);
  EXPECT_EQ(p.wait_seconds, 1);
}

TEST(PreferTest, SeveralHeaderLinesOfARequest) {
  Request request{http::verb::post, "/gateway/jobs", 11};
  request.insert(http::field::prefer, "wait=8");
  request.insert(http::field::prefer, "respond-async, wait=30");
  const Preferences p = ParsePrefer(request);
  EXPECT_TRUE(p.respond_async);
  EXPECT_EQ(p.wait_seconds, 8);
}

TEST(IdempotencyKeyTest, QuotedAndBareKeys) {
  EXPECT_EQ(*ParseIdempotencyKey("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""),
            "8e03978e-40d5-43e8-bc93-6894a57f9324");
  EXPECT_EQ(*ParseIdempotencyKey("  \"with space and \\\"quote\\\" \\\\\"\t"),
            "with space and \"quote\" \\");
  EXPECT_EQ(*ParseIdempotencyKey("abc-123_/+=:"), "abc-123_/+=:");
  EXPECT_EQ(*ParseIdempotencyKey(std::string(255, 'k')), std::string(255, 'k'));
  EXPECT_EQ(*ParseIdempotencyKey("\"" + std::string(255, ' ') + "\""),
            std::string(255, ' '));
}

TEST(IdempotencyKeyTest, RefusalsNameTheRule) {
  const auto refused = [](std::string_view value, std::string_view says) {
    auto key = ParseIdempotencyKey(value);
    ASSERT_FALSE(key.ok()) << value;
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(key.status().message().find(says), std::string::npos)
        << key.status().message();
  };
  refused("", "must not be empty");
  refused("\"\"", "must not be empty");
  refused(std::string(256, 'k'), "at most 255");
  refused("\"" + std::string(256, 'k') + "\"", "at most 255");
  refused("two words", "bare value");
  refused("caf\xc3\xa9", "bare value");
  refused("a\"b", "bare value");
  refused("\"open", "no closing");
  refused("\"a\" b", "nothing may follow");
  refused("\"a\\nb\"", "backslash");
  refused("\"tab\there\"", "printable ASCII");
  refused("\"caf\xc3\xa9\"", "printable ASCII");
}

TEST(IdempotencyKeyTest, OfARequest) {
  Request request{http::verb::post, "/gateway/jobs", 11};
  EXPECT_FALSE(IdempotencyKeyOf(request)->has_value());
  request.insert("Idempotency-Key", "\"k1\"");
  EXPECT_EQ(**IdempotencyKeyOf(request), "k1");
  request.insert("idempotency-key", "k2");
  auto twice = IdempotencyKeyOf(request);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("at most once"), std::string::npos);
}

TEST(WaitQueryTest, SecondsWithAnOptionalFraction) {
  EXPECT_EQ(*ParseWaitQuery("0"), milliseconds(0));
  EXPECT_EQ(*ParseWaitQuery("10"), milliseconds(10000));
  EXPECT_EQ(*ParseWaitQuery("2.5"), milliseconds(2500));
  EXPECT_EQ(*ParseWaitQuery("0.0019"), milliseconds(1));
  EXPECT_EQ(*ParseWaitQuery("060"), milliseconds(60000));
  EXPECT_EQ(*ParseWaitQuery("60.000"), milliseconds(60000));
  EXPECT_EQ(*ParseWaitQuery("59.9999999999999999999"), milliseconds(59999));
}

TEST(WaitQueryTest, OutOfRangeOrMalformedIsRefused) {
  for (std::string_view bad :
       {"", "60.001", "61", "1e3", "-1", "+1", " 1", "1 ", ".5", "5.", "1.2.3",
        "0x10", "inf", "nan", "99999999999999999999999"}) {
    auto wait = ParseWaitQuery(bad);
    ASSERT_FALSE(wait.ok()) << bad;
    EXPECT_EQ(wait.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(wait.status().message().find("from 0 to 60"), std::string::npos);
  }
}

TEST(AfterCursorTest, NonNegativeIntegersBelow2To53) {
  EXPECT_EQ(*ParseAfterCursor("0"), 0);
  EXPECT_EQ(*ParseAfterCursor("42"), 42);
  EXPECT_EQ(*ParseAfterCursor("0007"), 7);
  EXPECT_EQ(*ParseAfterCursor("9007199254740991"), kMaxCursorExclusive - 1);
  for (std::string_view bad : {"", "9007199254740992", "-1", "+1", "1.0", "1e3",
                               " 1", "99999999999999999999999999"}) {
    auto after = ParseAfterCursor(bad);
    ASSERT_FALSE(after.ok()) << bad;
    EXPECT_NE(after.status().message().find("from 0 to 9007199254740991"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace ocr::jobs
