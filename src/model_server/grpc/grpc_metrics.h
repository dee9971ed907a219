// The gRPC front end's own metrics, named as go-grpc-prometheus names them
// (what Grafana dashboards for gRPC servers query): grpc_server_started_total,
// grpc_server_handled_total{grpc_code} and grpc_server_handling_seconds, each
// labelled grpc_type="unary", grpc_service and grpc_method.
#pragma once

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

namespace ocr {

class GrpcMetrics {
 public:
  explicit GrpcMetrics(prometheus::Registry& registry);
  void Started(std::string_view method);
  void Handled(std::string_view method, grpc::StatusCode code, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
};

}  // namespace ocr
