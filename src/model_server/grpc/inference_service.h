// inference.GRPCInferenceService: the Open Inference Protocol over gRPC, on
// the callback API. ModelInfer is a thin layer over InferenceCore::Call (the
// request policy REST shares); the others answer from the core's state.
#pragma once

#include <atomic>
#include <string>

#include "model_server/core/inference_core.h"
#include "model_server/frontend/metadata_json.h"
#include "model_server/grpc/grpc_metrics.h"
#include "proto/grpc_predict_v2.grpc.pb.h"

namespace ocr {

class InferenceService final
    : public inference::GRPCInferenceService::CallbackService {
 public:
  // `core` and `metrics` are not owned and must outlive the service.
  InferenceService(InferenceCore& core, ServerIdentity identity,
                   GrpcMetrics& metrics);

  // Calls being answered now (for the drain of a graceful shutdown).
  int InFlight() const { return in_flight_.load(); }

  grpc::ServerUnaryReactor* ServerLive(
      grpc::CallbackServerContext* context,
      const inference::ServerLiveRequest* request,
      inference::ServerLiveResponse* response) override;
  grpc::ServerUnaryReactor* ServerReady(
      grpc::CallbackServerContext* context,
      const inference::ServerReadyRequest* request,
      inference::ServerReadyResponse* response) override;
  grpc::ServerUnaryReactor* ModelReady(
      grpc::CallbackServerContext* context,
      const inference::ModelReadyRequest* request,
      inference::ModelReadyResponse* response) override;
  grpc::ServerUnaryReactor* ServerMetadata(
      grpc::CallbackServerContext* context,
      const inference::ServerMetadataRequest* request,
      inference::ServerMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelMetadata(
      grpc::CallbackServerContext* context,
      const inference::ModelMetadataRequest* request,
      inference::ModelMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfer(
      grpc::CallbackServerContext* context,
      const inference::ModelInferRequest* request,
      inference::ModelInferResponse* response) override;

 private:
  // The installed languages and the default one, in the initial metadata
  // (kLanguagesKey, kDefaultLanguageKey): the protocol's messages have no
  // field for them.
  void AddLanguages(grpc::CallbackServerContext* context);
  // A call answered at once: `fill` writes the response and says how it
  // went.
  template <typename Fill>
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   std::string_view method, Fill&& fill) {
    in_flight_.fetch_add(1);
    const auto start = Clock::now();
    metrics_.Started(method);
    const Status status = fill();
    auto* reactor = context->DefaultReactor();
    Finish(context, reactor, method, start, status);
    return reactor;
  }
  // Finishes `reactor` with `status` (its exact code in the trailing
  // metadata) and records the call's metrics.
  void Finish(grpc::CallbackServerContext* context,
              grpc::ServerUnaryReactor* reactor, std::string_view method,
              Clock::time_point start, const Status& status);

  InferenceCore& core_;
  const ServerIdentity identity_;
  GrpcMetrics& metrics_;
  std::atomic<int> in_flight_{0};
};

}  // namespace ocr
