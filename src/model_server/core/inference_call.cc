// InferenceCore::Call: the request policy every front end shares.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string_view>

#include "common/logging.h"
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

// Runs `fn`, a front end's decoder or encoder or the core's own step; an
// exception it lets out (a bug: they report errors as Status) becomes
// kInternal naming `what`, so the call still finishes.
template <typename Fn>
Status Guarded(std::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return InternalError(std::string(what) + " failed: " + e.what());
  } catch (...) {
    return InternalError(std::string(what) + " failed");
  }
}

// Calls the front end's `finish`; it must not throw, but if it does the
// call is over all the same (it cannot be finished twice): logged.
void FinishOnce(const CallFinish& finish, const Status& status,
                const CallSummary& summary, const std::string& request_id) {
  const Status thrown = Guarded("finishing the call", [&] {
    finish(status, summary);
    return OkStatus();
  });
  if (!thrown.ok()) {
    LOG_ERROR("call finish threw",
              {{"request_id", request_id}, {"error", thrown.message()}});
  }
}

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
    FinishOnce(done, status, summary, call.request_id);
  };
  if (Status s = CheckModel(info.model_name, info.model_version); !s.ok()) {
    return end(info, {}, s, finish);
  }

  const auto decode_start = Clock::now();
  std::optional<StatusOr<InferRequest>> decoded;
  const Status decode_thrown = Guarded("decoding the request", [&] {
    decoded.emplace(decode());
    return OkStatus();
  });
  if (!decode_thrown.ok()) decoded.emplace(decode_thrown);
  const auto decode_time = Since(decode_start);
  metrics_->RecordPreprocess(info.model_name, Seconds(decode_time));
  stats_.RecordDecode(decode_time);
  if (!decoded->ok()) return end(info, {}, decoded->status(), finish);

  InferRequest request = std::move(*decoded).value();
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
  // Whoever claims the call first ends it: the result, the deadline, or a
  // failure to start.
  auto claim = [call] {
    if (call->claimed.exchange(true)) return false;
    // The timer is not thread-safe: cancel it on its own executor.
    net::post(call->timer.get_executor(), [call] { call->timer.cancel(); });
    return true;
  };
  auto on_result = [this, call, end, claim](StatusOr<InferResponse> result) {
    if (!claim()) return;
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
    const Status encoded = Guarded("encoding the response", [&] {
      call->encode(*result);
      return OkStatus();
    });
    const auto encode_time = Since(encode_start);
    metrics_->RecordPostprocess(call->info.model_name, Seconds(encode_time));
    if (!encoded.ok()) {
      return end(call->info, call->summary, encoded, call->finish);
    }
    stats_.RecordSuccess(result->results.size(), Since(call->info.received),
                         encode_time);
    FinishOnce(call->finish, OkStatus(), call->summary, call->info.request_id);
  };
  const Status started = Guarded("starting the recognition", [&] {
    Infer(std::move(request), on_result);
    return OkStatus();
  });
  if (!started.ok() && claim()) {
    call->cancelled->store(true);
    end(call->info, call->summary, started, call->finish);
  }
}

}  // namespace ocr
