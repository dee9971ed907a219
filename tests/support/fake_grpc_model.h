// A stand-in for the model service's gRPC front end on 127.0.0.1, for
// gateway tests that need a gRPC upstream but not OCR: ModelInfer answers
// its first calls with the statuses it was given, then output-0 = kText;
// it keeps every call it saw (metadata, request, deadline), and may hold
// each call until the caller gives up.
#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes_tensor.h"
#include "proto/grpc_predict_v2.grpc.pb.h"

namespace ocr::testing {

class FakeGrpcModel final : public inference::GRPCInferenceService::Service {
 public:
  static constexpr std::string_view kText = "fake grpc text";

  struct Call {
    std::string request_id;  // metadata x-request-id
    inference::ModelInferRequest request;
    std::chrono::system_clock::time_point deadline;
  };

  explicit FakeGrpcModel(std::vector<grpc::Status> first = {},
                         bool hold = false)
      : first_(std::move(first)), hold_(hold) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeGrpcModel() override {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(1));
  }
  FakeGrpcModel(const FakeGrpcModel&) = delete;
  FakeGrpcModel& operator=(const FakeGrpcModel&) = delete;

  int port() const { return port_; }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  grpc::Status ModelInfer(grpc::ServerContext* context,
                          const inference::ModelInferRequest* request,
                          inference::ModelInferResponse* response) override {
    size_t n;
    {
      std::lock_guard lock(mu_);
      Call call{"", *request, context->deadline()};
      const auto& metadata = context->client_metadata();
      if (auto it = metadata.find("x-request-id"); it != metadata.end()) {
        call.request_id = std::string(it->second.data(), it->second.size());
      }
      calls_.push_back(std::move(call));
      n = calls_.size();
    }
    if (hold_) {
      while (!context->IsCancelled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return grpc::Status(grpc::StatusCode::CANCELLED, "held");
    }
    if (n <= first_.size()) return first_[n - 1];
    response->set_id(request->id());
    response->set_model_name(request->model_name());
    auto* output = response->add_outputs();
    output->set_name("output-0");
    output->set_datatype("BYTES");
    output->add_shape(1);
    bytes_tensor::AppendElement(*response->add_raw_output_contents(), kText);
    return grpc::Status::OK;
  }

  grpc::Status ServerReady(grpc::ServerContext*,
                           const inference::ServerReadyRequest*,
                           inference::ServerReadyResponse* response) override {
    response->set_ready(true);
    return grpc::Status::OK;
  }

 private:
  const std::vector<grpc::Status> first_;
  const bool hold_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  std::vector<Call> calls_;
};

}  // namespace ocr::testing
