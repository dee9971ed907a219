// Webhook secrets, ids, signatures and their verification (webhook.h), with
// OpenSSL's HMAC-SHA256.
#include "gateway/jobs/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string>

#include "common/base64.h"
#include "gateway/jobs/job_store.h"

namespace ocr::jobs {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kSignaturePrefix = "v1,";
constexpr size_t kMinKeyBytes = 16;
constexpr size_t kMaxKeyBytes = 512;

using Digest = std::array<unsigned char, 32>;

Digest HmacSha256(std::string_view key, std::string_view message) {
  Digest digest{};
  unsigned int length = 0;
  // Zero-length keys never reach here (ParseWebhookSecret refuses them), but
  // HMAC() takes a non-null pointer either way.
  static const char kEmpty = 0;
  HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(),
       static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest.data(), &length);
  return digest;
}

std::string SignedContent(std::string_view id, std::string_view timestamp,
                          std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return content;
}

std::string_view AsView(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// A decimal Unix time, optionally negative; false when not one.
bool ParseTimestamp(std::string_view text, int64_t* out) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 18) return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = negative ? -value : value;
  return true;
}

}  // namespace

StatusOr<std::string> ParseWebhookSecret(std::string_view text) {
  if (text.starts_with(kSecretPrefix)) text.remove_prefix(kSecretPrefix.size());
  if (text.empty()) {
    return InvalidArgumentError(
        "webhook secret is empty: expected whsec_ followed by base64");
  }
  auto key = base64::Decode(text);
  if (!key.ok()) {
    return InvalidArgumentError(
        "webhook secret must be whsec_ followed by base64 (or bare base64); "
        "its base64 does not decode");
  }
  if (key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes) {
    return InvalidArgumentError(
        "webhook secret must hold 16 to 512 bytes of key (24 to 64 are "
        "customary); it holds " +
        std::to_string(key->size()));
  }
  return std::move(*key);
}

std::string FormatWebhookSecret(std::string_view key) {
  std::string out(kSecretPrefix);
  base64::EncodeAppend(out, key);
  return out;
}

std::string NewWebhookMessageId() { return "msg_" + NewJobId(); }

std::string WebhookMessageIdFor(std::string_view key, std::string_view event) {
  // Domain-separated from the signatures' messages, which start with "msg_".
  const Digest digest =
      HmacSha256(key, SignedContent("webhook-id", "v1", event));
  constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string id = "msg_";
  // 26 characters of five bits each from the first 130 bits of the digest.
  for (size_t c = 0; c < 26; ++c) {
    unsigned symbol = 0;
    for (size_t k = c * 5; k < c * 5 + 5; ++k) {
      symbol = (symbol << 1) | ((digest[k / 8] >> (7 - k % 8)) & 1u);
    }
    id.push_back(kAlphabet[symbol]);
  }
  return id;
}

std::string WebhookSignature(std::string_view key, std::string_view id,
                             int64_t timestamp, std::string_view body) {
  const Digest digest =
      HmacSha256(key, SignedContent(id, std::to_string(timestamp), body));
  std::string signature(kSignaturePrefix);
  base64::EncodeAppend(signature, AsView(digest));
  return signature;
}

WebhookHeaders SignWebhook(std::string_view key, std::string_view id,
                           int64_t timestamp, std::string_view body) {
  return {std::string(id), std::to_string(timestamp),
          WebhookSignature(key, id, timestamp, body)};
}

Status VerifyWebhook(std::string_view key, std::string_view id,
                     std::string_view timestamp_header,
                     std::string_view signature_header, std::string_view body,
                     std::chrono::system_clock::time_point now,
                     std::chrono::seconds tolerance) {
  int64_t timestamp = 0;
  if (!ParseTimestamp(timestamp_header, &timestamp)) {
    return InvalidArgumentError("webhook-timestamp is not a Unix time");
  }
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())
          .count();
  if (timestamp < now_s - tolerance.count() ||
      timestamp > now_s + tolerance.count()) {
    return InvalidArgumentError(
        "webhook-timestamp is too far from the current time");
  }
  // Recomputed over the header's own digits, as the sender signed them.
  const Digest expected =
      HmacSha256(key, SignedContent(id, timestamp_header, body));
  size_t start = 0;
  while (start < signature_header.size()) {
    size_t end = signature_header.find(' ', start);
    if (end == std::string_view::npos) end = signature_header.size();
    std::string_view candidate = signature_header.substr(start, end - start);
    start = end + 1;
    if (!candidate.starts_with(kSignaturePrefix)) continue;
    candidate.remove_prefix(kSignaturePrefix.size());
    auto decoded = base64::Decode(candidate);
    if (!decoded.ok() || decoded->size() != expected.size()) continue;
    if (CRYPTO_memcmp(decoded->data(), expected.data(), expected.size()) == 0) {
      return OkStatus();
    }
  }
  return InvalidArgumentError("webhook-signature does not match");
}

}  // namespace ocr::jobs
