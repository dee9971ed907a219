// Signed webhooks, the Standard Webhooks way (standardwebhooks.com): every
// delivery carries
//   webhook-id:        msg_...   the event's id, the same on every retry
//   webhook-timestamp: 1735689600  Unix seconds of this attempt
//   webhook-signature: v1,<base64 of HMAC-SHA256(key,
//   "{id}.{timestamp}.{body}")>
// where the key is the bytes of the shared secret `whsec_<base64>`.
//
// A receiver checks a delivery with VerifyWebhook (or any Standard Webhooks
// library): recompute the HMAC over the id, timestamp and raw body, compare
// it in constant time with each space-separated `v1,` signature, and refuse
// a timestamp more than a few minutes from its own clock (replays); it
// dedupes on webhook-id.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ocr::jobs {

// A shared secret's key bytes, parsed from `whsec_<base64>` or bare base64
// (padding optional). The key must be 16 to 512 bytes (24 to 64 are
// customary). kInvalidArgument saying what is wrong, never quoting the
// secret.
StatusOr<std::string> ParseWebhookSecret(std::string_view text);

// `whsec_` + base64 of `key`: the form to give a receiver.
std::string FormatWebhookSecret(std::string_view key);

// A new event id: "msg_" + 26 random characters of [0-9a-z] (128 bits).
std::string NewWebhookMessageId();

// The event id derived from `key` and a name of the event (e.g. the job id
// and "completed"): "msg_" + 26 characters of an HMAC of both. Stable, so a
// delivery resumed after a restart keeps its id without storing it, and
// revealing nothing of `event`.
std::string WebhookMessageIdFor(std::string_view key, std::string_view event);

// The headers of one delivery attempt.
struct WebhookHeaders {
  std::string id;         // webhook-id
  std::string timestamp;  // webhook-timestamp (decimal Unix seconds)
  std::string signature;  // webhook-signature ("v1,<base64>")
};

// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
std::string WebhookSignature(std::string_view key, std::string_view id,
                             int64_t timestamp, std::string_view body);

WebhookHeaders SignWebhook(std::string_view key, std::string_view id,
                           int64_t timestamp, std::string_view body);

// The receiver's check. `signature_header` may list several signatures
// separated by spaces (key rotation): one valid `v1,` signature suffices.
// kInvalidArgument when the timestamp is not a decimal number, is more than
// `tolerance` before or after `now`, or no signature matches.
Status VerifyWebhook(std::string_view key, std::string_view id,
                     std::string_view timestamp_header,
                     std::string_view signature_header, std::string_view body,
                     std::chrono::system_clock::time_point now,
                     std::chrono::seconds tolerance = std::chrono::minutes(5));

}  // namespace ocr::jobs
