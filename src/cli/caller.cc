// Sending with retries: the loop every request of `ocr` goes through.
#include "cli/caller.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "cli/ocr_request.h"

namespace ocr::cli {

std::string DescribeAttempt(const HttpAttempt& a, double timeout_seconds) {
  if (a.failed_at == HttpAttempt::Stage::kNone) {
    const std::string detail = ErrorDetail(a.response.body());
    return std::to_string(a.response.result_int()) +
           (detail.empty() ? "" : " " + detail);
  }
  if (a.timed_out) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "no answer within %g s", timeout_seconds);
    return buf;
  }
  const std::string error =
      a.error == beast::error::timeout ? "timed out" : a.error.message();
  return a.failed_at == HttpAttempt::Stage::kConnect
             ? "cannot connect: " + error
             : "connection lost: " + error;
}

Caller::Caller(const CliOptions& options, HttpClient& client,
               Progress& progress)
    : options_(options),
      client_(client),
      progress_(progress),
      rng_(std::random_device{}()) {}

net::awaitable<void> Caller::Sleep(std::chrono::milliseconds delay) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(delay);
  boost::system::error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

std::chrono::milliseconds Caller::Backoff(int retry,
                                          const HttpAttempt& attempt) {
  std::optional<std::chrono::milliseconds> retry_after;
  if (attempt.failed_at == HttpAttempt::Stage::kNone) {
    retry_after = ParseRetryAfter(attempt.response[http::field::retry_after]);
  }
  return RetryDelay(retry, retry_after,
                    std::uniform_real_distribution<double>(0, 1)(rng_));
}

net::awaitable<CallOutcome> Caller::Send(std::string_view input,
                                         const Call& call) {
  const double seconds = options_.timeout_seconds + call.extra_seconds;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(seconds));
  for (int attempt = 1;; ++attempt) {
    OutgoingRequest r{call.verb, call.target, 11};
    if (!call.content_type.empty()) {
      r.set(http::field::content_type, call.content_type);
      r.body() = BodyView(call.body);
    }
    if (!call.accept.empty()) r.set(http::field::accept, call.accept);
    for (const auto& [name, value] : call.headers) r.set(name, value);
    if (!options_.api_key.empty()) {
      r.set(http::field::authorization, "Bearer " + options_.api_key);
    }
    r.set(http::field::user_agent, "ocr-cli/" OCR_VERSION);
    CallOutcome out;
    out.attempt = co_await client_.Send(options_.endpoint, std::move(r),
                                        Clock::now() + timeout);
    out.verdict = ClassifyAttempt(out.attempt, call.kind);
    if (out.verdict == Verdict::kSuccess ||
        out.verdict == Verdict::kFollowJob) {
      co_return out;
    }
    out.message = DescribeAttempt(out.attempt, seconds);
    if (out.verdict == Verdict::kTransient && attempt <= options_.retries) {
      const auto delay = Backoff(attempt, out.attempt);
      progress_.Retry(input, out.message, attempt + 1,
                      std::chrono::duration<double>(delay).count());
      co_await Sleep(delay);
      continue;
    }
    if (attempt > 1) {
      out.message += " (after " + std::to_string(attempt) + " attempts)";
    }
    co_return out;
  }
}

}  // namespace ocr::cli
