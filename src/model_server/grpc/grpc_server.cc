#include "model_server/grpc/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <mutex>

namespace ocr {
namespace {

constexpr char kServiceName[] = "inference.GRPCInferenceService";

// Both are process-wide switches read when a server is built.
void EnableHealthAndReflection() {
  static std::once_flag once;
  std::call_once(once, [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  });
}

}  // namespace

GrpcServer::GrpcServer(InferenceCore& core, ServerIdentity identity,
                       prometheus::Registry& registry)
    : metrics_(registry), service_(core, std::move(identity), metrics_) {}

GrpcServer::~GrpcServer() {
  if (server_) Shutdown(std::chrono::system_clock::now());
}

Status GrpcServer::Start(const GrpcServerOptions& options) {
  EnableHealthAndReflection();
  const int limit = static_cast<int>(std::min<int64_t>(
      options.max_message_bytes, std::numeric_limits<int>::max()));
  grpc::ServerBuilder builder;
  const std::string address =
      (options.host.find(':') != std::string::npos ? "[" + options.host + "]"
                                                   : options.host) +
      ":" + std::to_string(options.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would
  // then start silently and share its connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.max_inflight_bytes > 0) {
    grpc::ResourceQuota quota("ocr-model-grpc");
    quota.Resize(static_cast<size_t>(
        std::max(options.max_inflight_bytes, 2 * options.max_message_bytes)));
    builder.SetResourceQuota(quota);
  }
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  builder.SetMaxReceiveMessageSize(limit);
  builder.SetMaxSendMessageSize(limit);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return UnavailableError("gRPC: cannot listen on " + address +
                            " (address in use?)");
  }
  SetServing(false);
  return OkStatus();
}

void GrpcServer::SetServing(bool serving) {
  if (!server_) return;
  auto* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
}

void GrpcServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (!server_) return;
  SetServing(false);
  server_->Shutdown(deadline);
  server_->Wait();
  server_.reset();
}

}  // namespace ocr
