// Delivers a job's webhook: POSTs a JSON body, signed (webhook.h), to a
// callback URL that passed the destination policy (callback_policy.h), and
// retries until a 2xx answer or the attempt limit.
//
// Each attempt resolves the host, checks every address it resolves to
// against the policy (one refused address refuses the delivery: a name must
// resolve only to allowed addresses), then connects to a checked address
// itself (the HTTP client gets the literal address and the Host header, so
// nothing resolves the name again: no DNS-rebinding window). A policy
// refusal ends the delivery at once; a failed lookup, connection, timeout or
// non-2xx answer is retried after an exponential backoff with jitter. Every
// attempt has the same webhook-id, a fresh webhook-timestamp and its own
// signature. Redirects are not followed (a 3xx is a failed attempt), and the
// answer's body is read up to 64 KiB and ignored. Plain http only
// (CallbackPolicy::Check refuses https).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "common/http_types.h"  // net::awaitable, net::any_io_executor
#include "gateway/jobs/callback_policy.h"

namespace ocr::jobs {

struct WebhookDeliveryOptions {
  int max_attempts = 6;  // the first attempt and its retries
  std::chrono::milliseconds base_delay{1000};  // before the first retry
  std::chrono::milliseconds max_delay{std::chrono::minutes(10)};
  // One attempt: name lookup, connection, request and the whole answer.
  std::chrono::milliseconds attempt_timeout{std::chrono::seconds(10)};
  std::string user_agent = "ocr-gateway-webhooks";
};

// The wait before retry number `retry` (1 = the first retry):
// d = min(max_delay, base_delay * 2^(retry-1)), then d/2 + uniform[0, d/2]
// (so 1 s base gives 0.5-1, 1-2, 2-4, 4-8, 8-16 s).
std::chrono::milliseconds WebhookBackoff(const WebhookDeliveryOptions& options,
                                         int retry, std::mt19937_64& rng);

// One event to deliver.
struct WebhookMessage {
  std::string id;            // webhook-id, e.g. WebhookMessageIdFor(...)
  std::string callback_url;  // as the client gave it
  std::string body;          // JSON
};

// What one attempt came to.
struct WebhookAttemptReport {
  int attempt = 0;         // 1-based
  bool delivered = false;  // the receiver answered 2xx
  int http_status = 0;     // its status; 0 when no answer arrived
  std::string detail;      // "HTTP 500", "timed out", a policy refusal...
  bool last = false;       // no attempt follows
};

struct WebhookOutcome {
  bool delivered = false;
  int attempts = 0;    // made
  std::string detail;  // of the last attempt
};

// What every delivery of a sender shares (webhook_sender.cc).
struct WebhookSenderState;

using WebhookAttemptCallback = std::function<void(const WebhookAttemptReport&)>;

class WebhookSender {
 public:
  // `key`: the secret's bytes (ParseWebhookSecret). Deliveries started with
  // Start run on strands of `executor`.
  WebhookSender(boost::asio::any_io_executor executor, CallbackPolicy policy,
                std::string key, WebhookDeliveryOptions options = {});
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Every attempt of one event. Runs on the awaiting coroutine's executor,
  // which must be a strand or single-threaded. `on_attempt` (may be empty)
  // is called there after each attempt, before the backoff: it must not
  // block (post store writes to the blocking pool).
  boost::asio::awaitable<WebhookOutcome> Deliver(
      WebhookMessage message, WebhookAttemptCallback on_attempt) const;

  // Starts Deliver on a new strand of the executor and returns at once;
  // `done` (may be empty) gets the outcome there. The delivery keeps what
  // it needs alive: the sender may be destroyed before it ends.
  void Start(WebhookMessage message, WebhookAttemptCallback on_attempt,
             std::function<void(const WebhookOutcome&)> done = {}) const;

 private:
  std::shared_ptr<WebhookSenderState> shared_;
};

}  // namespace ocr::jobs
