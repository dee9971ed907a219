#include "model_server/grpc/grpc_metrics.h"

#include "common/metrics.h"
#include "common/status_grpc.h"

namespace ocr {
namespace {

constexpr std::string_view kService = "inference.GRPCInferenceService";

prometheus::Labels Labels(std::string_view method) {
  return {{"grpc_type", "unary"},
          {"grpc_service", std::string(kService)},
          {"grpc_method", std::string(method)}};
}

}  // namespace

GrpcMetrics::GrpcMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by status code.")
                   .Register(registry)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from an RPC's start to its answer.")
                    .Register(registry)) {}

void GrpcMetrics::Started(std::string_view method) {
  started_.Add(Labels(method)).Increment();
}

void GrpcMetrics::Handled(std::string_view method, grpc::StatusCode code,
                          double seconds) {
  auto labels = Labels(method);
  handling_.Add(labels, LatencyBuckets()).Observe(seconds);
  labels.emplace("grpc_code", std::string(GrpcCodeLabel(code)));
  handled_.Add(labels).Increment();
}

}  // namespace ocr
