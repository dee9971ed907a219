#include "model_server/frontend/rest_handlers.h"

#include "common/json_writer.h"
#include "model_server/core/tesseract_engine.h"
#include "model_server/frontend/inference_pipeline.h"
#include "model_server/frontend/json_codec.h"
#include "model_server/frontend/metadata_json.h"

namespace ocr {
namespace {

std::string ReadyJson(const std::string& name, bool ready) {
  std::string out = "{\"name\":";
  json::AppendString(out, name);
  out += ready ? ",\"ready\":true}" : ",\"ready\":false}";
  return out;
}

constexpr std::string_view kHeaderLength = "Inference-Header-Content-Length";

// A V2 request in any of its forms: JSON; the binary tensor data extension
// (Inference-Header-Content-Length: the JSON header's size, then raw
// tensors); or the raw form (that header 0: the body is the file, options
// in the query). Its binary_output says whether the answer must be binary.
StatusOr<V2Request> DecodeAnyV2(RequestContext& ctx) {
  const auto header = ctx.request.find(kHeaderLength);
  if (header != ctx.request.end() && header->value() == "0") {
    return DecodeV2RawRequest(
        std::move(ctx.request.body()),
        [&ctx](std::string_view name) { return ctx.Query(name); });
  }
  // Shared with the images sliced out of it; moving keeps the spare
  // capacity simdjson reads in place.
  auto body =
      std::make_shared<const std::string>(std::move(ctx.request.body()));
  size_t length = body->size();
  if (header != ctx.request.end()) {
    ASSIGN_OR_RETURN(length,
                     ParseInferenceHeaderLength(header->value(), length));
  }
  return DecodeV2Request(std::move(body), length);
}

StatusOr<InferRequest> DecodeV2(RequestContext& ctx, bool* binary_output) {
  ASSIGN_OR_RETURN(V2Request decoded, DecodeAnyV2(ctx));
  *binary_output = decoded.binary_output;
  return std::move(decoded.request);
}

RestAnswer EncodeV2(const InferResponse& response, bool binary_output) {
  V2Encoded encoded = EncodeV2Response(response, binary_output);
  RestAnswer answer;
  if (encoded.header_length != encoded.body.size()) {
    answer.content_type = "application/octet-stream";
    answer.headers.emplace_back(std::string(kHeaderLength),
                                std::to_string(encoded.header_length));
  }
  answer.body = std::move(encoded.body);
  return answer;
}

StatusOr<InferRequest> DecodeV1(RequestContext& ctx) {
  return DecodeV1PredictRequest(ctx.request.body());
}

RestAnswer EncodeV1(const InferResponse& response) {
  RestAnswer answer;
  answer.body = EncodeV1PredictResponse(response);
  return answer;
}

}  // namespace

void AddV2Routes(Router& router, InferenceCore& core,
                 const ServerIdentity& identity) {
  std::string server_metadata =
      ServerMetadataJson(identity, core.options(), TesseractVersion());
  router.Add(http::verb::get, "/v2",
             SyncHandler([server_metadata](RequestContext& ctx) {
               return JsonResponse(ctx, http::status::ok, server_metadata);
             }));
  router.Add(http::verb::get, "/v2/health/live",
             SyncHandler([](RequestContext& ctx) {
               return JsonResponse(ctx, http::status::ok, "{\"live\":true}");
             }));
  router.Add(http::verb::get, "/v2/health/ready",
             SyncHandler([&core](RequestContext& ctx) {
               const bool ready = core.Ready();
               return JsonResponse(
                   ctx,
                   ready ? http::status::ok : http::status::service_unavailable,
                   ready ? "{\"ready\":true}" : "{\"ready\":false}");
             }));

  // The model repository extension: KServe's list, Triton's index.
  router.Add(http::verb::get, "/v2/models",
             SyncHandler([&core](RequestContext& ctx) {
               return JsonResponse(ctx, http::status::ok,
                                   ModelListJson(core.options()));
             }));
  router.Add(http::verb::post, "/v2/repository/index",
             SyncHandler([&core](RequestContext& ctx) {
               return JsonResponse(
                   ctx, http::status::ok,
                   RepositoryIndexJson(core.options(), core.Ready()));
             }));

  // Each model route exists with and without /versions/{version}.
  for (const std::string prefix :
       {"/v2/models/{model}", "/v2/models/{model}/versions/{version}"}) {
    router.Add(
        http::verb::post, prefix + "/infer",
        [&core](RequestContext& ctx) {
          auto binary_output = std::make_shared<bool>(false);
          return RunInference(
              ctx, core, ctx.Param("version"),
              [binary_output](RequestContext& c) {
                return DecodeV2(c, binary_output.get());
              },
              [binary_output](const InferResponse& response) {
                return EncodeV2(response, *binary_output);
              });
        },
        RouteOptions{.inference = true,
                     .admit = [&core] { return core.CheckRoom(); }});
    router.Add(http::verb::get, prefix + "/stats",
               SyncHandler([&core](RequestContext& ctx) {
                 if (Status s = core.CheckModel(ctx.Param("model"),
                                                ctx.Param("version"));
                     !s.ok()) {
                   return ErrorResponse(ctx, s);
                 }
                 return JsonResponse(
                     ctx, http::status::ok,
                     ModelStatsJson(core.options(), core.ModelStatistics()));
               }));
    router.Add(http::verb::get, prefix + "/ready",
               SyncHandler([&core](RequestContext& ctx) {
                 const std::string model(ctx.Param("model"));
                 if (Status s = core.CheckModel(model, ctx.Param("version"));
                     !s.ok()) {
                   return ErrorResponse(ctx, s);
                 }
                 const bool ready = core.Ready();
                 return JsonResponse(ctx,
                                     ready ? http::status::ok
                                           : http::status::service_unavailable,
                                     ReadyJson(model, ready));
               }));
    router.Add(
        http::verb::get, prefix, SyncHandler([&core](RequestContext& ctx) {
          if (Status s =
                  core.CheckModel(ctx.Param("model"), ctx.Param("version"));
              !s.ok()) {
            return ErrorResponse(ctx, s);
          }
          return JsonResponse(ctx, http::status::ok,
                              ModelMetadataJson(core.options()));
        }));
  }
}

void AddV1Routes(Router& router, InferenceCore& core) {
  router.Add(http::verb::get, "/", SyncHandler([](RequestContext& ctx) {
               return JsonResponse(ctx, http::status::ok,
                                   "{\"status\":\"alive\"}");
             }));
  router.Add(http::verb::get, "/v1/models",
             SyncHandler([&core](RequestContext& ctx) {
               return JsonResponse(ctx, http::status::ok,
                                   ModelListJson(core.options()));
             }));
  router.Add(
      http::verb::post, "/v1/models/{model}:predict",
      [&core](RequestContext& ctx) {
        return RunInference(ctx, core, "", &DecodeV1, &EncodeV1);
      },
      RouteOptions{.inference = true});
  router.Add(http::verb::get, "/v1/models/{model}",
             SyncHandler([&core](RequestContext& ctx) {
               const std::string model(ctx.Param("model"));
               if (Status s = core.CheckModel(model, ""); !s.ok()) {
                 return ErrorResponse(ctx, s);
               }
               const bool ready = core.Ready();
               return JsonResponse(
                   ctx,
                   ready ? http::status::ok : http::status::service_unavailable,
                   ReadyJson(model, ready));
             }));
}

}  // namespace ocr
