// InferenceCore::Call: the request policy every front end shares.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "model_server/core/inference_core.h"

namespace ocr {
namespace {

namespace net = boost::asio;

std::chrono::nanoseconds Since(Clock::time_point start) {
  return Clock::now() - start;
}

double Seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

// One call waiting for its result. Whichever comes first, the result or the
// deadline's timer, claims it; the other does nothing.
struct PendingCall {
  explicit PendingCall(net::any_io_executor executor)
      : timer(std::move(executor)) {}
  std::atomic<bool> claimed{false};
  net::steady_timer timer;
  CallInfo info;
  CallSummary summary;
  CallEncoder encode;
  CallFinish finish;
  CancelFlag cancelled;
};

Status DeadlineError(const CallInfo& info, Clock::time_point deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - info.received)
                      .count();
  return DeadlineExceededError("request exceeded its deadline of " +
                               std::to_string(ms) + " ms");
}

}  // namespace

void InferenceCore::Call(CallInfo info, CallDecoder decode, CallEncoder encode,
                         CallFinish finish) {
  auto end = [this](const CallInfo& call, const CallSummary& summary,
                    const Status& status, const CallFinish& done) {
    if (!status.ok()) {
      metrics_->RecordError(call.model_name, status.code());
      stats_.RecordFailure(Since(call.received));
    }
    done(status, summary);
  };
  if (Status s = CheckModel(info.model_name, info.model_version); !s.ok()) {
    return end(info, {}, s, finish);
  }

  const auto decode_start = Clock::now();
  StatusOr<InferRequest> decoded = decode();
  const auto decode_time = Since(decode_start);
  metrics_->RecordPreprocess(info.model_name, Seconds(decode_time));
  stats_.RecordDecode(decode_time);
  if (!decoded.ok()) return end(info, {}, decoded.status(), finish);

  InferRequest request = std::move(decoded).value();
  request.model_name = info.model_name;
  request.model_version = info.model_version;
  if (request.id.empty()) request.id = info.request_id;
  if (info.client_cancelled) request.cancelled = info.client_cancelled;
  request.deadline =
      std::min(info.client_deadline,
               Deadline(info.received, request.options.timeout_us));

  auto call = std::make_shared<PendingCall>(timers_);
  call->summary.images = request.images.size();
  for (const FileRef& image : request.images) {
    call->summary.image_bytes += image->size();
  }
  call->summary.deadline = request.deadline;
  call->info = std::move(info);
  call->encode = std::move(encode);
  call->finish = std::move(finish);
  call->cancelled = request.cancelled;

  call->timer.expires_at(request.deadline);
  call->timer.async_wait([call, end](boost::system::error_code ec) {
    if (ec || call->claimed.exchange(true)) return;
    call->cancelled->store(true);
    end(call->info, call->summary,
        DeadlineError(call->info, call->summary.deadline), call->finish);
  });
  Infer(std::move(request), [this, call, end](StatusOr<InferResponse> result) {
    if (call->claimed.exchange(true)) return;
    // The timer is not thread-safe: cancel it on its own executor.
    net::post(call->timer.get_executor(), [call] { call->timer.cancel(); });
    // The deadline may be noticed by the engine too: one message.
    if (!result.ok() &&
        result.status().code() == StatusCode::kDeadlineExceeded) {
      result = DeadlineError(call->info, call->summary.deadline);
    }
    if (!result.ok()) {
      return end(call->info, call->summary, result.status(), call->finish);
    }
    for (const OcrResult& r : result->results) {
      call->summary.megapixels += static_cast<double>(r.width) * r.height / 1e6;
    }
    const auto encode_start = Clock::now();
    call->encode(*result);
    const auto encode_time = Since(encode_start);
    metrics_->RecordPostprocess(call->info.model_name, Seconds(encode_time));
    stats_.RecordSuccess(result->results.size(), Since(call->info.received),
                         encode_time);
    call->finish(OkStatus(), call->summary);
  });
}

}  // namespace ocr
