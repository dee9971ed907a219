// Webhook secrets, ids, signatures and verification
// (gateway/jobs/webhook.h). Expected signatures are computed here
// independently, with OpenSSL's HMAC and base64 encoder, and checked against
// the Standard Webhooks reference vector.
#include "gateway/jobs/webhook.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>
#include <string>

namespace ocr::jobs {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// HMAC-SHA256 and base64 by OpenSSL alone (not common/base64).
std::string ExpectedSignature(const std::string& key, const std::string& id,
                              const std::string& timestamp,
                              const std::string& body) {
  const std::string content = id + "." + timestamp + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(),
       digest, &length);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(b64, digest, static_cast<int>(length));
  return "v1," + std::string(reinterpret_cast<const char*>(b64), n);
}

system_clock::time_point At(int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

TEST(WebhookSecretTest, PrefixedOrBareBase64) {
  auto key = ParseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->size(), 24u);
  EXPECT_EQ(*ParseWebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), *key);
  EXPECT_EQ(FormatWebhookSecret(*key),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  // Unpadded base64 of 16 bytes.
  EXPECT_EQ(ParseWebhookSecret("whsec_AAAAAAAAAAAAAAAAAAAAAA")->size(), 16u);
}

TEST(WebhookSecretTest, RefusalsSayWhyWithoutQuotingTheSecret) {
  const struct {
    std::string text;
    std::string says;
  } kCases[] = {
      {"", "empty"},
      {"whsec_", "empty"},
      {"whsec_not*base64!", "does not decode"},
      {"whsec_c2hvcnQ=", "16 to 512 bytes"},  // "short"
      {"whsec_" + std::string(700, 'A'), "16 to 512 bytes"},
  };
  for (const auto& c : kCases) {
    auto key = ParseWebhookSecret(c.text);
    ASSERT_FALSE(key.ok()) << c.text;
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(key.status().message().find(c.says), std::string::npos)
        << key.status().message();
    EXPECT_EQ(key.status().message().find("base64!"), std::string::npos);
  }
}

TEST(WebhookSignatureTest, TheStandardWebhooksReferenceVector) {
  const std::string key =
      *ParseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const std::string body = R"({"test": 2432232314})";
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  EXPECT_EQ(WebhookSignature(key, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(ExpectedSignature(key, id, "1614265330", body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_TRUE(VerifyWebhook(key, id, "1614265330",
                            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                            body, At(1614265330 + 60))
                  .ok());
}

TEST(WebhookSignatureTest, MatchesAnIndependentHmacOnVariedInputs) {
  const std::string key = *ParseWebhookSecret(FormatWebhookSecret(
      std::string("\x00\x01\xff\x80 key bytes, not text", 24)));
  for (const std::string& body :
       {std::string(), std::string("{}"), std::string("\0\n\"x\"", 5),
        std::string(100000, 'b')}) {
    for (int64_t ts : {int64_t{0}, int64_t{1735689600}, int64_t{4102444800}}) {
      const WebhookHeaders h = SignWebhook(key, "msg_abc", ts, body);
      EXPECT_EQ(h.id, "msg_abc");
      EXPECT_EQ(h.timestamp, std::to_string(ts));
      EXPECT_EQ(h.signature,
                ExpectedSignature(key, "msg_abc", h.timestamp, body));
    }
  }
}

TEST(WebhookVerifyTest, RefusesTamperingAndStaleTimestamps) {
  const std::string key(32, 'k');
  const std::string body = R"({"job_id":"x","state":"succeeded"})";
  const int64_t ts = 1735689600;
  const WebhookHeaders h = SignWebhook(key, "msg_1", ts, body);
  const auto now = At(ts);
  EXPECT_TRUE(
      VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body, now).ok());
  // Rotation: several signatures, one of them valid.
  EXPECT_TRUE(VerifyWebhook(key, "msg_1", h.timestamp,
                            "v1,AAAA v2,zzz " + h.signature, body, now)
                  .ok());
  // Tolerance: 5 minutes either way by default.
  EXPECT_TRUE(
      VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body, At(ts + 300))
          .ok());
  EXPECT_TRUE(
      VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body, At(ts - 300))
          .ok());

  const auto refused = [&](const Status& s, std::string_view says) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(says), std::string::npos) << s.message();
  };
  refused(
      VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body, At(ts + 301)),
      "too far");
  refused(
      VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body, At(ts - 301)),
      "too far");
  refused(VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body,
                        At(ts + 11), seconds(10)),
          "too far");
  refused(VerifyWebhook(key, "msg_2", h.timestamp, h.signature, body, now),
          "does not match");
  refused(
      VerifyWebhook(key, "msg_1", h.timestamp, h.signature, body + " ", now),
      "does not match");
  refused(VerifyWebhook(std::string(32, 'K'), "msg_1", h.timestamp, h.signature,
                        body, now),
          "does not match");
  refused(VerifyWebhook(key, "msg_1", "1735689601", h.signature, body, now),
          "does not match");
  refused(VerifyWebhook(key, "msg_1", h.timestamp, h.signature.substr(3), body,
                        now),
          "does not match");
  refused(VerifyWebhook(key, "msg_1", h.timestamp,
                        "v1," + h.signature.substr(4), body, now),
          "does not match");
  refused(VerifyWebhook(key, "msg_1", "", h.signature, body, now),
          "not a Unix time");
  refused(VerifyWebhook(key, "msg_1", "17e8", h.signature, body, now),
          "not a Unix time");
}

TEST(WebhookIdTest, RandomIdsAreDistinctAndDerivedIdsStable) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewWebhookMessageId();
    ASSERT_EQ(id.size(), 30u);
    ASSERT_TRUE(id.starts_with("msg_"));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);

  const std::string key(32, 'k');
  const std::string a = WebhookMessageIdFor(key, "job1:completed");
  EXPECT_EQ(a.size(), 30u);
  EXPECT_TRUE(a.starts_with("msg_"));
  EXPECT_EQ(a, WebhookMessageIdFor(key, "job1:completed"));
  EXPECT_NE(a, WebhookMessageIdFor(key, "job2:completed"));
  EXPECT_NE(a, WebhookMessageIdFor(std::string(32, 'j'), "job1:completed"));
  EXPECT_EQ(a.find("job1"), std::string::npos);
}

}  // namespace
}  // namespace ocr::jobs
