#include "gateway/model_client.h"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <climits>

#include "common/json_writer.h"
#include "common/logging.h"
#include "common/options.h"
#include "common/status_grpc.h"
#include "gateway/upstream_grpc.h"
#include "gateway/upstream_grpc_codec.h"
#include "gateway/upstream_v2_binary.h"
#include "gateway/upstream_v2_json.h"

namespace ocr {
namespace {

// A DEADLINE_EXCEEDED with less time than this left is the request's own
// deadline, not the model's verdict (which comes at least 50 ms early: the
// gateway tells the model a shorter timeout).
constexpr auto kDeadlineSlack = std::chrono::milliseconds(20);

int ClampToInt(int64_t n) {
  return static_cast<int>(std::clamp<int64_t>(n, 1, INT_MAX));
}

// Turns a binary answer's body into a decoded answer (status 200) or an
// error body without its trailing bytes; a JSON answer stays as it is.
void DecodeBinaryBody(ModelReply& reply, std::string_view header_length) {
  if (header_length.empty()) return;  // plain JSON
  int64_t n = -1;
  if (!ParseInt64(header_length, &n) || n < 0) {
    reply.status = 502;
    reply.body = json::ErrorBody(
        "the model's " + std::string(kInferenceHeaderContentLength) +
        " is not a length: " + std::string(header_length));
    return;
  }
  if (reply.status != 200) {
    if (static_cast<uint64_t>(n) < reply.body.size()) {
      reply.body.resize(static_cast<size_t>(n));
    }
    return;
  }
  auto answer = ParseV2BinaryAnswer(reply.body, static_cast<size_t>(n));
  if (!answer.ok()) {
    reply.status = 502;
    reply.body = json::ErrorBody(answer.status().message());
    return;
  }
  reply.answer = std::move(answer).value();
  std::string().swap(reply.body);
}

}  // namespace

ModelClient::ModelClient(net::any_io_executor executor,
                         ModelClientOptions options, UpstreamMetrics* metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      http_(std::move(executor), options_.http) {
  if (options_.protocol == UpstreamProtocol::kGrpc) {
    grpc_ = std::make_unique<GrpcUpstream>(
        options_.endpoints,
        GrpcUpstreamOptions{
            .connect_timeout = options_.http.connect_timeout,
            .max_send_bytes = ClampToInt(options_.max_request_bytes),
            .max_receive_bytes = ClampToInt(
                static_cast<int64_t>(options_.http.max_response_bytes))});
  }
}

ModelClient::~ModelClient() = default;

size_t ModelClient::EndpointFor(size_t first, int attempt) const {
  return (first + static_cast<size_t>(attempt)) % options_.endpoints.size();
}

ModelRequest ModelClient::Encode(const InferInput& input,
                                 const std::string& request_id) const {
  ModelRequest request;
  switch (options_.protocol) {
    case UpstreamProtocol::kV2Json:
      request.body = BuildV2JsonRequest(input);
      break;
    case UpstreamProtocol::kV2Binary: {
      BinaryRequest binary = BuildV2BinaryRequest(input, request_id);
      request.body = std::move(binary.body);
      request.header_bytes = binary.header_bytes;
      break;
    }
    case UpstreamProtocol::kGrpc:
      request.grpc =
          BuildGrpcInferRequest(input, options_.model_name, request_id);
      break;
  }
  return request;
}

net::awaitable<StatusOr<ModelReply>> ModelClient::Infer(
    ModelRequest request, const std::string& request_id,
    Clock::time_point deadline, CallCanceller* cancel) {
  // `request` lives in this coroutine frame until the last attempt is over;
  // every attempt, to whichever endpoint, sends it without copying it.
  if (options_.protocol == UpstreamProtocol::kGrpc) {
    co_return co_await Retrying(
        [&](size_t endpoint) {
          return GrpcInfer(request, request_id, endpoint, deadline, cancel);
        },
        request_id, deadline, cancel);
  }
  const std::string target = "/v2/models/" + options_.model_name + "/infer";
  co_return co_await Retrying(
      [&](size_t endpoint) {
        return HttpCall(http::verb::post, target, request, request_id, endpoint,
                        deadline, cancel);
      },
      request_id, deadline, cancel);
}

std::string ModelClient::TooLargeError() const {
  return "the model's answer is larger than the gateway's response limit of " +
         std::to_string(options_.http.max_response_bytes) +
         " bytes (--max-response-bytes); no retry can help: ask for fewer "
         "pages or a smaller output, or raise the limit";
}

net::awaitable<ModelAttempt> ModelClient::InferOnce(
    size_t endpoint, const ModelRequest& request, const std::string& request_id,
    Clock::time_point deadline, CallCanceller* cancel) {
  const auto start = Clock::now();
  ModelAttempt result;
  if (options_.protocol == UpstreamProtocol::kGrpc) {
    result =
        co_await GrpcInfer(request, request_id, endpoint, deadline, cancel);
  } else {
    result = co_await HttpCall(http::verb::post,
                               "/v2/models/" + options_.model_name + "/infer",
                               request, request_id, endpoint, deadline, cancel);
  }
  metrics_->RecordAttempt(
      options_.endpoints[endpoint].url, result.outcome,
      std::chrono::duration<double>(Clock::now() - start).count());
  co_return result;
}

net::awaitable<ModelAttempt> ModelClient::GetOnce(size_t endpoint,
                                                  const std::string& path,
                                                  const std::string& request_id,
                                                  Clock::time_point deadline) {
  if (options_.protocol == UpstreamProtocol::kGrpc) {
    co_return co_await GrpcGet(path, request_id, endpoint, deadline);
  }
  const ModelRequest none;
  co_return co_await HttpCall(http::verb::get, path, none, request_id, endpoint,
                              deadline);
}

net::awaitable<StatusOr<ModelReply>> ModelClient::Get(
    const std::string& path, const std::string& request_id,
    Clock::time_point deadline) {
  if (options_.protocol == UpstreamProtocol::kGrpc) {
    co_return co_await Retrying(
        [&](size_t endpoint) {
          return GrpcGet(path, request_id, endpoint, deadline);
        },
        request_id, deadline);
  }
  const ModelRequest none;
  co_return co_await Retrying(
      [&](size_t endpoint) {
        return HttpCall(http::verb::get, path, none, request_id, endpoint,
                        deadline);
      },
      request_id, deadline);
}

net::awaitable<ModelClient::Attempt> ModelClient::HttpCall(
    http::verb method, const std::string& target, const ModelRequest& request,
    const std::string& request_id, size_t index, Clock::time_point deadline,
    CallCanceller* cancel) {
  const HttpEndpoint& endpoint = options_.endpoints[index];
  const bool binary = options_.protocol == UpstreamProtocol::kV2Binary &&
                      method == http::verb::post;
  OutgoingRequest out{method, target, 11};
  out.set("X-Request-ID", request_id);
  if (method == http::verb::post) {
    if (binary) {
      out.set(http::field::content_type, "application/octet-stream");
      out.set(kInferenceHeaderContentLength,
              std::to_string(request.header_bytes));
    } else {
      out.set(http::field::content_type, "application/json");
    }
    out.body() = BodyView(request.body);
  }
  HttpAttempt result =
      co_await http_.Send(endpoint, std::move(out), deadline, cancel);
  Attempt attempt;
  attempt.outcome = ClassifyAttempt(result);
  if (attempt.outcome == AttemptOutcome::kOk) {
    attempt.reply.status = static_cast<int>(result.response.result_int());
    attempt.reply.body = std::move(result.response.body());
    if (binary) {
      DecodeBinaryBody(attempt.reply,
                       result.response[kInferenceHeaderContentLength]);
    }
  } else if (attempt.outcome == AttemptOutcome::kTooLarge) {
    attempt.error = TooLargeError();
  } else if (result.failed_at == HttpAttempt::Stage::kNone) {
    attempt.error =
        "model service answered 503: " + std::string(result.response.body());
  } else if (attempt.outcome == AttemptOutcome::kRefused &&
             result.error == beast::error::timeout) {
    attempt.error = endpoint.url + ": no connection within " +
                    std::to_string(options_.http.connect_timeout.count()) +
                    " ms";
  } else {
    attempt.error = endpoint.url + ": " + result.error.message();
  }
  co_return attempt;
}

namespace {

// The reply of a failed call, as its REST twin answers it.
ModelReply GrpcErrorReply(const GrpcAttempt& g) {
  ModelReply reply;
  reply.status = HttpStatusForGrpc(g.code, g.reason);
  reply.body = json::ErrorBody(g.message);
  return reply;
}

std::string GrpcError(const HttpEndpoint& endpoint, const GrpcAttempt& g) {
  return endpoint.url + ": " + std::string(GrpcCodeName(g.code)) + ": " +
         g.message;
}

}  // namespace

net::awaitable<ModelClient::Attempt> ModelClient::GrpcInfer(
    const ModelRequest& request, const std::string& request_id, size_t index,
    Clock::time_point deadline, CallCanceller* cancel) {
  GrpcAttempt g =
      co_await grpc_->Infer(index, request.grpc, request_id, deadline, cancel);
  Attempt attempt;
  attempt.outcome =
      ClassifyGrpc(g.code, g.message,
                   g.timed_out || Clock::now() + kDeadlineSlack >= deadline);
  if (OverReceiveLimit(
          g.code, g.message, g.reason,
          ClampToInt(static_cast<int64_t>(options_.http.max_response_bytes)))) {
    attempt.outcome = AttemptOutcome::kTooLarge;
    attempt.error = TooLargeError();
  } else if (attempt.outcome == AttemptOutcome::kUnavailable) {
    attempt.error = "model service answered 503: " + json::ErrorBody(g.message);
  } else if (attempt.outcome != AttemptOutcome::kOk) {
    attempt.error = GrpcError(options_.endpoints[index], g);
  } else if (g.code != grpc::StatusCode::OK) {
    attempt.reply = GrpcErrorReply(g);
  } else if (auto answer = AnswerFromGrpc(*g.answer); answer.ok()) {
    attempt.reply.status = 200;
    attempt.reply.answer = std::move(answer).value();
  } else {
    attempt.reply.status = 502;
    attempt.reply.body = json::ErrorBody(answer.status().message());
  }
  co_return attempt;
}

net::awaitable<ModelClient::Attempt> ModelClient::GrpcGet(
    const std::string& path, const std::string& request_id, size_t index,
    Clock::time_point deadline) {
  GrpcAttempt g = co_await grpc_->Get(index, path, request_id, deadline);
  Attempt attempt;
  attempt.outcome =
      ClassifyGrpc(g.code, g.message,
                   g.timed_out || Clock::now() + kDeadlineSlack >= deadline);
  if (attempt.outcome == AttemptOutcome::kOk &&
      g.code == grpc::StatusCode::OK && g.http_status == 503) {
    // "Not ready" is REST's 503: retried the same way.
    attempt.outcome = AttemptOutcome::kUnavailable;
    attempt.error = "model service answered 503: " + g.json;
  } else if (attempt.outcome == AttemptOutcome::kUnavailable) {
    attempt.error = "model service answered 503: " + json::ErrorBody(g.message);
  } else if (attempt.outcome != AttemptOutcome::kOk) {
    attempt.error = GrpcError(options_.endpoints[index], g);
  } else if (g.code != grpc::StatusCode::OK) {
    attempt.reply = GrpcErrorReply(g);
  } else {
    attempt.reply.status = g.http_status;
    attempt.reply.body = std::move(g.json);
  }
  co_return attempt;
}

net::awaitable<StatusOr<ModelReply>> ModelClient::Retrying(
    AttemptFn attempt_fn, std::string request_id, Clock::time_point deadline,
    CallCanceller* cancel) {
  std::string last_error;
  AttemptOutcome last = AttemptOutcome::kOk;
  // Round-robin over requests; a retry goes to the next endpoint after the
  // one that failed, so one draining or dead model is never tried twice in
  // a row while another is there.
  const size_t first = next_.fetch_add(1);
  for (int attempt = 0;; ++attempt) {
    const size_t index = EndpointFor(first, attempt);
    const HttpEndpoint& endpoint = options_.endpoints[index];
    const auto start = Clock::now();
    Attempt result = co_await attempt_fn(index);
    last = result.outcome;
    metrics_->RecordAttempt(
        endpoint.url, last,
        std::chrono::duration<double>(Clock::now() - start).count());
    if (cancel != nullptr && cancel->cancelled()) {
      // Whoever waited for the answer is gone: nothing to retry for, and
      // the call's end (a cut connection, CANCELLED) is no upstream failure.
      co_return UnavailableError("the call was cancelled: the client is gone");
    }
    if (last == AttemptOutcome::kOk) {
      if (result.reply.status >= 500) {
        metrics_->RecordFailure(result.reply.status == 504 ? "timeout"
                                                           : "bad_gateway");
      }
      co_return std::move(result.reply);
    }
    if (last == AttemptOutcome::kTooLarge) {
      metrics_->RecordFailure(std::string(OutcomeName(last)));
      co_return Status(StatusCode::kBadGateway, std::move(result.error));
    }
    last_error = std::move(result.error);
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
