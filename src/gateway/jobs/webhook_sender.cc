// The webhook sender (webhook_sender.h): resolve, check, connect to the
// checked address, POST the signed body; retry with backoff.
#include "gateway/jobs/webhook_sender.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "common/async_call.h"
#include "common/http_client.h"
#include "common/logging.h"
#include "gateway/jobs/webhook.h"

namespace ocr::jobs {

namespace ip = boost::asio::ip;
using tcp = ip::tcp;

struct WebhookSenderState {
  WebhookSenderState(net::any_io_executor ex, CallbackPolicy p, std::string k,
                     WebhookDeliveryOptions o)
      : executor(std::move(ex)),
        policy(std::move(p)),
        key(std::move(k)),
        options(std::move(o)),
        client(executor, ClientOptions(options)) {}

  static HttpClientOptions ClientOptions(const WebhookDeliveryOptions& o) {
    HttpClientOptions client_options;
    client_options.connect_timeout = o.attempt_timeout;
    client_options.max_response_bytes = 64 << 10;  // receivers answer briefly
    client_options.keep_alive = false;
    return client_options;
  }

  net::any_io_executor executor;
  CallbackPolicy policy;
  std::string key;
  WebhookDeliveryOptions options;
  HttpClient client;
};

namespace {

struct Resolved {
  boost::system::error_code ec;
  std::vector<ip::address> addresses;
};

// The addresses of `host`, or an error (beast::error::timeout when the
// lookup did not end by `deadline`). Runs on a strand (AwaitCallback).
net::awaitable<Resolved> Resolve(const std::string& host,
                                 const std::string& port,
                                 Clock::time_point deadline) {
  auto resolver =
      std::make_shared<tcp::resolver>(co_await net::this_coro::executor);
  auto start = [&](std::function<void(Resolved)> done) {
    resolver->async_resolve(
        host, port,
        [resolver, done = std::move(done)](
            boost::system::error_code ec, tcp::resolver::results_type results) {
          Resolved resolved{ec, {}};
          for (const auto& entry : results) {
            const ip::address a = entry.endpoint().address();
            if (std::find(resolved.addresses.begin(), resolved.addresses.end(),
                          a) == resolved.addresses.end()) {
              resolved.addresses.push_back(a);
            }
          }
          done(std::move(resolved));
        });
  };
  const std::function<void()> on_timeout = [resolver] { resolver->cancel(); };
  auto outcome = co_await AwaitCallback<Resolved>(deadline, start, on_timeout);
  if (!outcome) co_return Resolved{beast::error::timeout, {}};
  co_return std::move(*outcome);
}

// The Host header for `url`: host, with the port unless it is the default,
// an IPv6 address in brackets.
std::string HostHeader(const CallbackUrl& url) {
  std::string host =
      url.address && url.address->is_v6() ? "[" + url.host + "]" : url.host;
  if (url.port != (url.scheme == "https" ? 443 : 80)) {
    host += ":" + std::to_string(url.port);
  }
  return host;
}

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Describe(const HttpAttempt& attempt) {
  if (attempt.failed_at == HttpAttempt::Stage::kNone) {
    return "HTTP " + std::to_string(attempt.response.result_int());
  }
  if (attempt.timed_out) return "timed out";
  const char* stage =
      attempt.failed_at == HttpAttempt::Stage::kConnect ? "connect"
      : attempt.failed_at == HttpAttempt::Stage::kSend  ? "send"
                                                        : "receive";
  return std::string(stage) + ": " + attempt.error.message();
}

uint64_t RandomSeed() {
  std::random_device device;
  return (uint64_t{device()} << 32) | device();
}

// One attempt: resolve, check, POST. Sets report->last on a policy refusal.
net::awaitable<WebhookAttemptReport> Attempt(
    const std::shared_ptr<WebhookSenderState>& shared,
    const WebhookMessage& message, const CallbackUrl& url) {
  WebhookAttemptReport report;
  const auto deadline = Clock::now() + shared->options.attempt_timeout;
  std::vector<ip::address> addresses;
  if (url.address) {
    addresses.push_back(*url.address);
  } else {
    // Named, not temporaries of the co_await expression: GCC 12 can destroy
    // such temporaries twice.
    const std::string port = std::to_string(url.port);
    Resolved resolved = co_await Resolve(url.host, port, deadline);
    if (resolved.ec || resolved.addresses.empty()) {
      report.detail = resolved.ec == beast::error::timeout
                          ? "name lookup timed out"
                          : "name lookup failed: " + resolved.ec.message();
      co_return report;
    }
    addresses = std::move(resolved.addresses);
  }
  for (const ip::address& address : addresses) {
    Status allowed = shared->policy.CheckAddress(url, address);
    if (!allowed.ok()) {
      report.detail = allowed.message();
      report.last = true;
      co_return report;
    }
  }

  const WebhookHeaders headers =
      SignWebhook(shared->key, message.id, UnixSeconds(), message.body);
  for (size_t i = 0; i < addresses.size(); ++i) {
    HttpEndpoint endpoint;
    endpoint.host = addresses[i].to_string();
    endpoint.port = std::to_string(url.port);
    endpoint.url = url.scheme + "://" + HostHeader(url);
    endpoint.host_header = HostHeader(url);
    OutgoingRequest request{http::verb::post, url.target, 11};
    request.set(http::field::content_type, "application/json");
    request.set(http::field::user_agent, shared->options.user_agent);
    request.set("webhook-id", headers.id);
    request.set("webhook-timestamp", headers.timestamp);
    request.set("webhook-signature", headers.signature);
    request.body() = BodyView(message.body);
    const HttpAttempt attempt =
        co_await shared->client.Send(endpoint, std::move(request), deadline);
    report.detail = Describe(attempt);
    // An address that refuses the connection: try the host's next one.
    const bool next = attempt.failed_at == HttpAttempt::Stage::kConnect &&
                      !attempt.timed_out && i + 1 < addresses.size() &&
                      Clock::now() < deadline;
    if (next) continue;
    // The status decides; a receiver's body over the limit is not read.
    const bool long_body = attempt.failed_at == HttpAttempt::Stage::kReceive &&
                           attempt.error == http::error::body_limit;
    if (attempt.failed_at == HttpAttempt::Stage::kNone || long_body) {
      report.http_status = attempt.response.result_int();
      report.delivered = report.http_status >= 200 && report.http_status < 300;
      if (long_body)
        report.detail = "HTTP " + std::to_string(report.http_status);
    }
    break;
  }
  co_return report;
}

net::awaitable<WebhookOutcome> DeliverWith(
    std::shared_ptr<WebhookSenderState> shared, WebhookMessage message,
    WebhookAttemptCallback on_attempt) {
  WebhookOutcome outcome;
  const int max_attempts = std::max(1, shared->options.max_attempts);
  auto url = shared->policy.Check(message.callback_url);
  std::mt19937_64 rng(RandomSeed());
  net::steady_timer timer(co_await net::this_coro::executor);
  for (int n = 1; n <= max_attempts; ++n) {
    WebhookAttemptReport report;
    if (!url.ok()) {
      report.detail = url.status().message();
      report.last = true;
    } else {
      report = co_await Attempt(shared, message, *url);
    }
    report.attempt = n;
    report.last = report.last || report.delivered || n == max_attempts;
    outcome = {report.delivered, n, report.detail};
    LOG_DEBUG("webhook attempt", {{"webhook_id", message.id},
                                  {"attempt", n},
                                  {"delivered", report.delivered},
                                  {"detail", report.detail}});
    if (on_attempt) on_attempt(report);
    if (report.last) break;
    timer.expires_after(WebhookBackoff(shared->options, n, rng));
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  if (!outcome.delivered) {
    LOG_WARNING("webhook not delivered", {{"webhook_id", message.id},
                                          {"attempts", outcome.attempts},
                                          {"detail", outcome.detail}});
  }
  co_return outcome;
}

}  // namespace

std::chrono::milliseconds WebhookBackoff(const WebhookDeliveryOptions& options,
                                         int retry, std::mt19937_64& rng) {
  const int64_t cap = std::max<int64_t>(0, options.max_delay.count());
  int64_t delay = std::max<int64_t>(0, options.base_delay.count());
  for (int i = 1; i < retry && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  std::uniform_int_distribution<int64_t> jitter(0, delay / 2);
  return std::chrono::milliseconds(delay - delay / 2 + jitter(rng));
}

WebhookSender::WebhookSender(net::any_io_executor executor,
                             CallbackPolicy policy, std::string key,
                             WebhookDeliveryOptions options)
    : shared_(std::make_shared<WebhookSenderState>(
          std::move(executor), std::move(policy), std::move(key),
          std::move(options))) {}

WebhookSender::~WebhookSender() = default;

net::awaitable<WebhookOutcome> WebhookSender::Deliver(
    WebhookMessage message, WebhookAttemptCallback on_attempt) const {
  return DeliverWith(shared_, std::move(message), std::move(on_attempt));
}

void WebhookSender::Start(
    WebhookMessage message, WebhookAttemptCallback on_attempt,
    std::function<void(const WebhookOutcome&)> done) const {
  net::co_spawn(net::make_strand(shared_->executor),
                DeliverWith(shared_, std::move(message), std::move(on_attempt)),
                [done = std::move(done)](std::exception_ptr error,
                                         WebhookOutcome outcome) {
                  if (error) {
                    outcome = {false, 0, "the delivery stopped"};
                  }
                  if (done) done(outcome);
                });
}

}  // namespace ocr::jobs
