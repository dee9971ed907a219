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

StatusOr<InferRequest> DecodeV2(RequestContext& ctx) {
  return DecodeV2InferRequest(ctx.request.body());
}

RestAnswer EncodeV2(const InferResponse& response) {
  RestAnswer answer;
  answer.body = EncodeV2InferResponse(response);
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
          return RunInference(ctx, core, ctx.Param("version"), &DecodeV2,
                              &EncodeV2);
        },
        RouteOptions{.inference = true});
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
