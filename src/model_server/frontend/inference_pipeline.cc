#include "model_server/frontend/inference_pipeline.h"

#include "common/async_call.h"

namespace ocr {

Handler SyncHandler(std::function<Response(RequestContext&)> fn) {
  return [fn = std::move(fn)](RequestContext& ctx) -> net::awaitable<Response> {
    co_return fn(ctx);
  };
}

net::awaitable<Response> RunInference(RequestContext& ctx, InferenceCore& core,
                                      std::string_view version,
                                      RequestDecoder decode,
                                      ResponseEncoder encode) {
  // The core's own flag (it also sets it, on a deadline or a failed page),
  // set here when the server notices the client has gone away.
  auto client_cancelled = std::make_shared<std::atomic<bool>>(false);
  ctx.on_client_gone = [client_cancelled] { client_cancelled->store(true); };
  CallInfo info{.model_name = std::string(ctx.Param("model")),
                .model_version = std::string(version),
                .request_id = ctx.request_id,
                .received = ctx.received,
                .client_cancelled = client_cancelled};
  ctx.model_name = info.model_name;
  // The core counts this request's errors, whatever they are.
  ctx.error_counted = true;
  // Written by the encoder on an engine's thread before the call finishes;
  // shared, so a late write never outlives this frame's memory.
  auto answer = std::make_shared<RestAnswer>();
  using Outcome = std::pair<Status, CallSummary>;
  std::optional<Outcome> outcome = co_await AwaitCallback<Outcome>(
      Clock::time_point::max(),
      [&](std::function<void(Outcome)> done) {
        core.Call(
            std::move(info),
            [&ctx, &decode]() {
              StatusOr<InferRequest> request = decode(ctx);
              // The body is no longer needed: free it before the long wait.
              std::string().swap(ctx.request.body());
              return request;
            },
            [answer, encode](const InferResponse& response) {
              *answer = encode(response);
            },
            [done = std::move(done)](const Status& status,
                                     const CallSummary& summary) {
              done({status, summary});
            });
      },
      nullptr);
  if (!outcome) {  // not reached: the core always finishes by the deadline
    co_return ErrorResponse(ctx, InternalError("the call did not finish"));
  }
  const auto& [status, summary] = *outcome;
  ctx.log_fields.emplace_back("images", static_cast<uint64_t>(summary.images));
  ctx.log_fields.emplace_back("image_bytes", summary.image_bytes);
  if (!status.ok()) co_return ErrorResponse(ctx, status);
  ctx.log_fields.emplace_back("megapixels", summary.megapixels);
  Response res = JsonResponse(ctx, http::status::ok, std::move(answer->body));
  if (!answer->content_type.empty()) {
    res.set(http::field::content_type, answer->content_type);
  }
  for (const auto& [name, value] : answer->headers) res.set(name, value);
  co_return res;
}

}  // namespace ocr
