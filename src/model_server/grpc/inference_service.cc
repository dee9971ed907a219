#include "model_server/grpc/inference_service.h"

#include "common/status_grpc.h"
#include "common/system_info.h"
#include "model_server/core/tesseract_engine.h"
#include "model_server/frontend/json_codec.h"
#include "model_server/grpc/grpc_codec.h"

namespace ocr {
namespace {

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The client's deadline on our clock; max() when it set none.
Clock::time_point ClientDeadline(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() -
                      std::chrono::hours(24 * 365)) {
    return Clock::time_point::max();
  }
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            deadline - std::chrono::system_clock::now());
}

// x-request-id under REST's rule for X-Request-ID (RequestIdOrNew).
std::string RequestId(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("x-request-id");
  if (it == metadata.end()) return NewUuid();
  return RequestIdOrNew(std::string_view(it->second.data(), it->second.size()));
}

// A unary call that tells the core when its client goes away: gRPC calls
// OnCancel when the client cancels, its deadline passes or its connection
// drops. The default reactor would leave the recognitions running.
class CancellableReactor : public grpc::ServerUnaryReactor {
 public:
  const CancelFlag cancelled = std::make_shared<std::atomic<bool>>(false);
  void OnCancel() override { cancelled->store(true); }
  void OnDone() override { delete this; }
};

}  // namespace

InferenceService::InferenceService(InferenceCore& core, ServerIdentity identity,
                                   GrpcMetrics& metrics)
    : core_(core), identity_(std::move(identity)), metrics_(metrics) {}

void InferenceService::Finish(grpc::CallbackServerContext* context,
                              grpc::ServerUnaryReactor* reactor,
                              std::string_view method, Clock::time_point start,
                              const Status& status) {
  const grpc::StatusCode code = ToGrpcCode(status.code());
  if (!status.ok()) {
    context->AddTrailingMetadata(std::string(kStatusReasonKey),
                                 std::string(StatusCodeName(status.code())));
  }
  metrics_.Handled(method, code, SecondsSince(start));
  reactor->Finish(status.ok() ? grpc::Status::OK
                              : grpc::Status(code, status.message()));
  in_flight_.fetch_sub(1);
}

void InferenceService::AddLanguages(grpc::CallbackServerContext* context) {
  std::string languages;
  for (const auto& lang : core_.options().installed_languages) {
    if (!languages.empty()) languages += ",";
    languages += lang;
  }
  context->AddInitialMetadata(std::string(kLanguagesKey), languages);
  context->AddInitialMetadata(std::string(kDefaultLanguageKey),
                              core_.options().default_lang);
  context->AddInitialMetadata(std::string(kEnginesKey),
                              std::to_string(core_.options().engines));
}

grpc::ServerUnaryReactor* InferenceService::ServerLive(
    grpc::CallbackServerContext* context, const inference::ServerLiveRequest*,
    inference::ServerLiveResponse* response) {
  return Answer(context, "ServerLive", [&] {
    response->set_live(true);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* InferenceService::ServerReady(
    grpc::CallbackServerContext* context, const inference::ServerReadyRequest*,
    inference::ServerReadyResponse* response) {
  return Answer(context, "ServerReady", [&] {
    response->set_ready(core_.Ready());
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* InferenceService::ModelReady(
    grpc::CallbackServerContext* context,
    const inference::ModelReadyRequest* request,
    inference::ModelReadyResponse* response) {
  return Answer(context, "ModelReady", [&] {
    RETURN_IF_ERROR(core_.CheckModel(request->name(), request->version()));
    response->set_ready(core_.Ready());
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* InferenceService::ServerMetadata(
    grpc::CallbackServerContext* context,
    const inference::ServerMetadataRequest*,
    inference::ServerMetadataResponse* response) {
  return Answer(context, "ServerMetadata", [&] {
    response->set_name(identity_.name);
    response->set_version(identity_.version);
    for (const auto extension : kV2Extensions) {
      response->add_extensions(std::string(extension));
    }
    // The message has no field for these; REST's GET /v2 has them too.
    context->AddInitialMetadata("ocr-tesseract-version", TesseractVersion());
    AddLanguages(context);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* InferenceService::ModelMetadata(
    grpc::CallbackServerContext* context,
    const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  return Answer(context, "ModelMetadata", [&] {
    RETURN_IF_ERROR(core_.CheckModel(request->name(), request->version()));
    const CoreOptions& o = core_.options();
    response->set_name(o.model_name);
    response->add_versions(o.model_version);
    response->set_platform("tesseract");
    auto* input = response->add_inputs();
    input->set_name(std::string(kInputName));
    input->set_datatype("BYTES");
    input->add_shape(-1);
    auto* output = response->add_outputs();
    output->set_name(std::string(kOutputName));
    output->set_datatype("BYTES");
    output->add_shape(-1);
    // What REST's model metadata says in its parameters.
    AddLanguages(context);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* InferenceService::ModelInfer(
    grpc::CallbackServerContext* context,
    const inference::ModelInferRequest* request,
    inference::ModelInferResponse* response) {
  in_flight_.fetch_add(1);
  const auto start = Clock::now();
  metrics_.Started("ModelInfer");
  auto* reactor = new CancellableReactor;
  CallInfo info{.model_name = request->model_name(),
                .model_version = request->model_version(),
                .request_id = RequestId(*context),
                .received = start,
                .client_deadline = ClientDeadline(*context),
                .client_cancelled = reactor->cancelled};
  const bool raw_output = WantsRawOutput(*request);
  core_.Call(
      std::move(info),
      [request] {
        // The library owns a mutable message and hands it out as const;
        // taking its byte strings instead of copying them is safe, as
        // nothing reads the request after this.
        return DecodeGrpcInferRequest(
            const_cast<inference::ModelInferRequest&>(*request));
      },
      [response, raw_output](const InferResponse& answer) {
        EncodeGrpcInferResponse(answer, raw_output, response);
      },
      [this, context, reactor, start](const Status& status,
                                      const CallSummary&) {
        Finish(context, reactor, "ModelInfer", start, status);
      });
  return reactor;
}

}  // namespace ocr
