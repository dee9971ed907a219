#include "model_server/frontend/inference_pipeline.h"

#include "common/async_call.h"

namespace ocr {
namespace {

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Handler SyncHandler(std::function<Response(RequestContext&)> fn) {
  return [fn = std::move(fn)](RequestContext& ctx) -> net::awaitable<Response> {
    co_return fn(ctx);
  };
}

net::awaitable<Response> RunInference(RequestContext& ctx, InferenceCore& core,
                                      std::string_view version,
                                      RequestDecoder decode,
                                      ResponseEncoder encode) {
  const std::string model(ctx.Param("model"));
  ctx.model_name = model;
  if (Status s = core.CheckModel(model, version); !s.ok()) {
    co_return ErrorResponse(ctx, s);
  }

  const auto pre_start = Clock::now();
  StatusOr<InferRequest> decoded = decode(ctx.request.body());
  core.metrics().RecordPreprocess(model, SecondsSince(pre_start));
  if (!decoded.ok()) co_return ErrorResponse(ctx, decoded.status());
  InferRequest request = std::move(decoded).value();
  // The body is no longer needed: free it before the long wait.
  std::string().swap(ctx.request.body());
  request.model_name = model;
  request.model_version = std::string(version);
  if (request.id.empty()) request.id = ctx.request_id;
  request.deadline = core.Deadline(ctx.received, request.options.timeout_us);
  const auto deadline = request.deadline;
  const CancelFlag cancelled = request.cancelled;
  uint64_t image_bytes = 0;
  for (const auto& image : request.images) image_bytes += image->size();
  ctx.log_fields.emplace_back("images",
                              static_cast<uint64_t>(request.images.size()));
  ctx.log_fields.emplace_back("image_bytes", image_bytes);

  auto result = co_await AwaitCallback<StatusOr<InferResponse>>(
      deadline,
      [&core, &request](std::function<void(StatusOr<InferResponse>)> done) {
        core.Infer(std::move(request), std::move(done));
      },
      [&cancelled] { cancelled->store(true); });
  // The deadline may be noticed here (the timer) or by the engine: one
  // message either way.
  if (!result || result->status().code() == StatusCode::kDeadlineExceeded) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - ctx.received)
                        .count();
    co_return ErrorResponse(
        ctx, DeadlineExceededError("request exceeded its deadline of " +
                                   std::to_string(ms) + " ms"));
  }
  if (!result->ok()) co_return ErrorResponse(ctx, result->status());

  const auto post_start = Clock::now();
  const InferResponse& response = result->value();
  double megapixels = 0;
  for (const auto& r : response.results) {
    megapixels += static_cast<double>(r.width) * r.height / 1e6;
  }
  ctx.log_fields.emplace_back("megapixels", megapixels);
  Response res = JsonResponse(ctx, http::status::ok, encode(response));
  core.metrics().RecordPostprocess(model, SecondsSince(post_start));
  co_return res;
}

}  // namespace ocr
