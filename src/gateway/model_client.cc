#include "gateway/model_client.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include "common/logging.h"

namespace ocr {

ModelClient::ModelClient(net::any_io_executor executor,
                         ModelClientOptions options, UpstreamMetrics* metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      http_(std::move(executor), options_.http) {}

const HttpEndpoint& ModelClient::EndpointFor(size_t first, int attempt) const {
  return options_.endpoints[(first + static_cast<size_t>(attempt)) %
                            options_.endpoints.size()];
}

net::awaitable<StatusOr<ModelReply>> ModelClient::Infer(
    std::string body, const std::string& request_id,
    Clock::time_point deadline) {
  return Call(http::verb::post, "/v2/models/" + options_.model_name + "/infer",
              std::move(body), request_id, deadline);
}

net::awaitable<StatusOr<ModelReply>> ModelClient::Get(
    const std::string& path, const std::string& request_id,
    Clock::time_point deadline) {
  return Call(http::verb::get, path, "", request_id, deadline);
}

net::awaitable<StatusOr<ModelReply>> ModelClient::Call(
    http::verb method, std::string target, std::string body,
    std::string request_id, Clock::time_point deadline) {
  // `body` lives in this coroutine frame until the last attempt is over.
  // Every attempt, to whichever endpoint, sends a view of it: the body is
  // never copied, however many retries there are.
  std::string last_error;
  AttemptOutcome last = AttemptOutcome::kOk;
  // Round-robin over requests; a retry goes to the next endpoint after the
  // one that failed, so one draining or dead model is never tried twice in
  // a row while another is there.
  const size_t first = next_.fetch_add(1);
  for (int attempt = 0;; ++attempt) {
    const HttpEndpoint& endpoint = EndpointFor(first, attempt);
    OutgoingRequest request{method, target, 11};
    request.set("X-Request-ID", request_id);
    if (method == http::verb::post) {
      request.set(http::field::content_type, "application/json");
      request.body() = BodyView(body);
    }
    const auto start = Clock::now();
    HttpAttempt result =
        co_await http_.Send(endpoint, std::move(request), deadline);
    last = ClassifyAttempt(result);
    metrics_->RecordAttempt(
        endpoint.url, last,
        std::chrono::duration<double>(Clock::now() - start).count());
    if (last == AttemptOutcome::kOk) {
      ModelReply reply;
      reply.status = static_cast<int>(result.response.result_int());
      reply.body = std::move(result.response.body());
      if (reply.status >= 500) {
        metrics_->RecordFailure(reply.status == 504 ? "timeout"
                                                    : "bad_gateway");
      }
      co_return reply;
    }
    if (result.failed_at == HttpAttempt::Stage::kNone) {
      last_error =
          "model service answered 503: " + std::string(result.response.body());
    } else if (last == AttemptOutcome::kRefused &&
               result.error == beast::error::timeout) {
      last_error = endpoint.url + ": no connection within " +
                   std::to_string(options_.http.connect_timeout.count()) +
                   " ms";
    } else {
      last_error = endpoint.url + ": " + result.error.message();
    }
    LOG_WARNING("model attempt failed", {{"request_id", request_id},
                                         {"endpoint", endpoint.url},
                                         {"attempt", attempt + 1},
                                         {"outcome", OutcomeName(last)},
                                         {"error", last_error}});
    if (last == AttemptOutcome::kTimeout || Clock::now() >= deadline) break;
    if (!options_.retry.ShouldRetry(last, attempt)) break;
    std::chrono::milliseconds pause;
    {
      std::lock_guard lock(rng_mu_);
      pause = options_.retry.Backoff(attempt + 1, rng_);
    }
    if (Clock::now() + pause >= deadline) break;
    metrics_->RecordRetry(last);
    net::steady_timer timer(co_await net::this_coro::executor, pause);
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  if (last == AttemptOutcome::kTimeout || Clock::now() >= deadline) {
    metrics_->RecordFailure("timeout");
    co_return DeadlineExceededError(
        "the model service did not answer within the deadline");
  }
  metrics_->RecordFailure(std::string(OutcomeName(last)));
  co_return UnavailableError("model service unavailable: " + last_error);
}

}  // namespace ocr
