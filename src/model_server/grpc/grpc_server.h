// The model server's gRPC endpoint (--grpc-port): the Open Inference
// Protocol's GRPCInferenceService, the standard gRPC health service
// (grpc.health.v1.Health, SERVING while the model is ready) and server
// reflection, with the message size limit and a graceful shutdown.
#pragma once

#include <grpcpp/server.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>

#include "model_server/grpc/grpc_metrics.h"
#include "model_server/grpc/inference_service.h"

namespace ocr {

struct GrpcServerOptions {
  std::string host = "0.0.0.0";
  int port = 8081;  // 0: any free port; see port()
  int64_t max_message_bytes = kDefaultMaxRequestBytes;
  // gRPC's own buffers (messages being received or sent, across every
  // connection) are held to a ResourceQuota of this many bytes, at least two
  // largest messages. 0: no quota. A message's size is known only once it
  // arrived whole, so the model's admission applies after that.
  int64_t max_inflight_bytes = 0;
  // Calls at once on one connection (HTTP/2 streams); more wait in the
  // client.
  int max_concurrent_streams = 100;
};

class GrpcServer {
 public:
  // `core` is not owned and must outlive the server.
  GrpcServer(InferenceCore& core, ServerIdentity identity,
             prometheus::Registry& registry);
  ~GrpcServer();

  // Binds and starts serving; kUnavailable when the address is taken.
  Status Start(const GrpcServerOptions& options);
  int port() const { return port_; }
  // The health service's answer (NOT_SERVING until the model is ready).
  void SetServing(bool serving);
  // Calls being answered now.
  int InFlight() const { return service_.InFlight(); }
  // Refuses new calls and waits for those in flight until `deadline`, then
  // cancels what remains.
  void Shutdown(std::chrono::system_clock::time_point deadline);

 private:
  GrpcMetrics metrics_;
  InferenceService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace ocr
