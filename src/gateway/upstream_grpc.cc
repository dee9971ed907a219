#include "gateway/upstream_grpc.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <boost/asio/post.hpp>

#include "common/async_call.h"
#include "common/json_writer.h"
#include "common/status_grpc.h"
#include "gateway/upstream_grpc_codec.h"

namespace ocr {
namespace {

// gRPC reports its own deadline (DEADLINE_EXCEEDED) as the request's; the
// await gives up only this much later, should that report not come.
constexpr auto kGrace = std::chrono::milliseconds(250);

std::chrono::system_clock::time_point SystemDeadline(
    Clock::time_point deadline) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             deadline - Clock::now());
}

// One unary call: `invoke(context, request, response, callback)` starts it
// on a stub's async() interface. The response, when OK, lives as long as the
// returned pointer.
template <typename Req, typename Resp, typename Invoke>
net::awaitable<GrpcAttempt> Unary(std::shared_ptr<const Req> request,
                                  const std::string& request_id,
                                  Clock::time_point deadline, Invoke invoke,
                                  std::shared_ptr<const Resp>* response,
                                  CallCanceller* cancel = nullptr) {
  struct Call {
    grpc::ClientContext context;
    std::shared_ptr<const Req> request;
    Resp response;
  };
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->context.set_deadline(SystemDeadline(deadline));
  call->context.AddMetadata("x-request-id", request_id);
  auto executor = co_await net::this_coro::executor;
  // Named, not temporaries of the co_await expression: GCC 12 can destroy
  // such temporaries twice, which would release `call` once too often.
  auto start = [&](std::function<void(grpc::Status)> done) {
    invoke(&call->context, call->request.get(), &call->response,
           [call, executor, done = std::move(done)](grpc::Status s) {
             done(std::move(s));
             // The context goes on an I/O thread, after this returns.
             net::post(executor, [call] {});
           });
  };
  const std::function<void()> on_timeout = [call] {
    call->context.TryCancel();
  };
  const CallCanceller::Scope scope(cancel,
                                   [call] { call->context.TryCancel(); });
  auto status = co_await AwaitCallback<grpc::Status>(deadline + kGrace, start,
                                                     on_timeout);
  GrpcAttempt attempt;
  if (!status) {
    attempt.code = grpc::StatusCode::DEADLINE_EXCEEDED;
    attempt.message = "Deadline Exceeded";
    attempt.timed_out = true;
    co_return attempt;
  }
  attempt.code = status->error_code();
  attempt.message = status->error_message();
  const auto& trailers = call->context.GetServerTrailingMetadata();
  if (const auto it = trailers.find(std::string(kStatusReasonKey));
      it != trailers.end()) {
    attempt.reason.assign(it->second.data(), it->second.size());
  }
  const auto& initial = call->context.GetServerInitialMetadata();
  auto read = [&initial](std::string_view key, std::string* out) {
    if (const auto it = initial.find(std::string(key)); it != initial.end()) {
      out->assign(it->second.data(), it->second.size());
    }
  };
  read(kLanguagesKey, &attempt.languages);
  read(kDefaultLanguageKey, &attempt.default_language);
  read(kEnginesKey, &attempt.engines);
  if (status->ok())
    *response = std::shared_ptr<const Resp>(call, &call->response);
  co_return attempt;
}

std::string ShapeJson(const google::protobuf::RepeatedField<int64_t>& shape) {
  std::string out = "[";
  for (int i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::string TensorsJson(
    const google::protobuf::RepeatedPtrField<
        inference::ModelMetadataResponse::TensorMetadata>& tensors) {
  std::string out = "[";
  for (int i = 0; i < tensors.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"name\":" + json::Quote(tensors[i].name()) +
           ",\"datatype\":" + json::Quote(tensors[i].datatype()) +
           ",\"shape\":" + ShapeJson(tensors[i].shape()) + "}";
  }
  return out + "]";
}

// What the model's REST route answers, from ModelMetadata (which has no
// `parameters`: the language list is REST's only).
std::string MetadataJson(const inference::ModelMetadataResponse& m,
                         const GrpcAttempt& attempt) {
  std::string out = "{\"name\":" + json::Quote(m.name()) + ",\"versions\":[";
  for (int i = 0; i < m.versions_size(); ++i) {
    if (i > 0) out += ",";
    out += json::Quote(m.versions(i));
  }
  out += "],\"platform\":" + json::Quote(m.platform()) +
         ",\"inputs\":" + TensorsJson(m.inputs()) +
         ",\"outputs\":" + TensorsJson(m.outputs());
  // As REST's model metadata has them (the gateway's /gateway/languages).
  if (!attempt.languages.empty()) {
    out += ",\"parameters\":{\"languages\":" + json::Quote(attempt.languages) +
           ",\"default_language\":" + json::Quote(attempt.default_language);
    if (!attempt.engines.empty() &&
        attempt.engines.find_first_not_of("0123456789") == std::string::npos) {
      out += ",\"engines\":" + attempt.engines;
    }
    out += "}";
  }
  out += "}";
  return out;
}

}  // namespace

GrpcUpstream::GrpcUpstream(const std::vector<HttpEndpoint>& endpoints,
                           GrpcUpstreamOptions options) {
  for (const auto& endpoint : endpoints) {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(options.max_send_bytes);
    args.SetMaxReceiveMessageSize(options.max_receive_bytes);
    // A connection attempt gives up after --connect-timeout, and one that
    // failed is tried again soon: an endpoint back from a restart is used
    // again within a second, as over HTTP.
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                static_cast<int>(options.connect_timeout.count()));
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Retries are ModelClient's (RetryPolicy), counted in its metrics.
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    // Each endpoint its own connection, even to the same address.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    Endpoint e;
    e.channel = grpc::CreateCustomChannel(
        GrpcTarget(endpoint), grpc::InsecureChannelCredentials(), args);
    e.stub = inference::GRPCInferenceService::NewStub(e.channel);
    endpoints_.push_back(std::move(e));
  }
}

inference::GRPCInferenceService::Stub& GrpcUpstream::Ready(size_t endpoint) {
  Endpoint& e = endpoints_[endpoint];
  if (e.channel->GetState(/*try_to_connect=*/true) ==
      GRPC_CHANNEL_TRANSIENT_FAILURE) {
    grpc::experimental::ChannelResetConnectionBackoff(e.channel.get());
  }
  return *e.stub;
}

net::awaitable<GrpcAttempt> GrpcUpstream::Infer(
    size_t endpoint, std::shared_ptr<const inference::ModelInferRequest> req,
    const std::string& request_id, Clock::time_point deadline,
    CallCanceller* cancel) {
  auto* async = Ready(endpoint).async();
  std::shared_ptr<const inference::ModelInferResponse> answer;
  GrpcAttempt attempt = co_await Unary(
      std::move(req), request_id, deadline,
      [async](auto* context, auto* request, auto* response, auto done) {
        async->ModelInfer(context, request, response, std::move(done));
      },
      &answer, cancel);
  attempt.answer = std::move(answer);
  co_return attempt;
}

net::awaitable<GrpcAttempt> GrpcUpstream::Get(size_t endpoint,
                                              const std::string& path,
                                              const std::string& request_id,
                                              Clock::time_point deadline) {
  auto* async = Ready(endpoint).async();
  constexpr std::string_view kModels = "/v2/models/";
  GrpcAttempt attempt;
  if (path == "/v2/health/live" || path == "/v2/health/ready") {
    const bool live = path.ends_with("/live");
    std::shared_ptr<const inference::ServerLiveResponse> live_answer;
    std::shared_ptr<const inference::ServerReadyResponse> ready_answer;
    if (live) {
      attempt = co_await Unary(
          std::make_shared<const inference::ServerLiveRequest>(), request_id,
          deadline,
          [async](auto* c, auto* q, auto* r, auto done) {
            async->ServerLive(c, q, r, std::move(done));
          },
          &live_answer);
    } else {
      attempt = co_await Unary(
          std::make_shared<const inference::ServerReadyRequest>(), request_id,
          deadline,
          [async](auto* c, auto* q, auto* r, auto done) {
            async->ServerReady(c, q, r, std::move(done));
          },
          &ready_answer);
    }
    if (attempt.code == grpc::StatusCode::OK) {
      const bool yes = live ? live_answer->live() : ready_answer->ready();
      attempt.json = live ? (yes ? "{\"live\":true}" : "{\"live\":false}")
                          : (yes ? "{\"ready\":true}" : "{\"ready\":false}");
      attempt.http_status = yes ? 200 : 503;
    }
    co_return attempt;
  }
  std::string_view model;
  if (std::string_view(path).starts_with(kModels)) {
    model = std::string_view(path).substr(kModels.size());
  }
  if (model.empty() || model.find('/') != model.rfind('/') ||
      (model.find('/') != std::string_view::npos &&
       !model.ends_with("/ready"))) {
    attempt.code = grpc::StatusCode::NOT_FOUND;
    attempt.message = "no gRPC call stands for GET " + path;
    co_return attempt;
  }
  if (model.ends_with("/ready")) {
    model.remove_suffix(std::string_view("/ready").size());
    auto request = std::make_shared<inference::ModelReadyRequest>();
    request->set_name(std::string(model));
    std::shared_ptr<const inference::ModelReadyResponse> answer;
    attempt = co_await Unary(
        std::shared_ptr<const inference::ModelReadyRequest>(request),
        request_id, deadline,
        [async](auto* c, auto* q, auto* r, auto done) {
          async->ModelReady(c, q, r, std::move(done));
        },
        &answer);
    if (attempt.code == grpc::StatusCode::OK) {
      attempt.json =
          "{\"name\":" + json::Quote(model) +
          (answer->ready() ? ",\"ready\":true}" : ",\"ready\":false}");
      attempt.http_status = answer->ready() ? 200 : 503;
    }
    co_return attempt;
  }
  auto request = std::make_shared<inference::ModelMetadataRequest>();
  request->set_name(std::string(model));
  std::shared_ptr<const inference::ModelMetadataResponse> answer;
  attempt = co_await Unary(
      std::shared_ptr<const inference::ModelMetadataRequest>(request),
      request_id, deadline,
      [async](auto* c, auto* q, auto* r, auto done) {
        async->ModelMetadata(c, q, r, std::move(done));
      },
      &answer);
  if (attempt.code == grpc::StatusCode::OK)
    attempt.json = MetadataJson(*answer, attempt);
  co_return attempt;
}

}  // namespace ocr
