#include "gateway/upstream_grpc_codec.h"

#include <algorithm>
#include <cctype>

#include "common/bytes_tensor.h"
#include "common/options.h"
#include "common/status_grpc.h"
#include "common/status_http.h"

namespace ocr {
namespace {

bool Contains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(),
                     needle.end(), [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

}  // namespace

StatusOr<HttpEndpoint> ParseGrpcUrl(std::string_view url) {
  constexpr std::string_view kScheme = "grpc://";
  if (!url.starts_with(kScheme)) {
    return InvalidArgumentError("model URL '" + std::string(url) +
                                "' must start with grpc://");
  }
  std::string_view rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const bool has_port = rest.starts_with("[")
                            ? rest.find("]:") != std::string_view::npos
                            : rest.find(':') != std::string_view::npos;
  // (Appended piece by piece: GCC 12 warns falsely on "literal" + string.)
  std::string http_url = "http://";
  http_url.append(rest);
  if (!has_port && !rest.empty()) {
    http_url.push_back(':');
    http_url.append(kDefaultGrpcPort);
  }
  auto parsed = ParseHttpUrl(http_url);
  if (!parsed.ok()) {
    return InvalidArgumentError("model URL '" + std::string(url) +
                                "' must be grpc://host[:port]");
  }
  parsed->url = std::string(url);
  return parsed;
}

std::string GrpcTarget(const HttpEndpoint& endpoint) {
  if (endpoint.host.find(':') != std::string::npos) {
    return "[" + endpoint.host + "]:" + endpoint.port;
  }
  return endpoint.host + ":" + endpoint.port;
}

std::shared_ptr<inference::ModelInferRequest> BuildGrpcInferRequest(
    const InferInput& input, std::string_view model_name,
    std::string_view request_id) {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(std::string(model_name));
  request->set_id(std::string(request_id));
  auto& params = *request->mutable_parameters();
  for (const auto& [name, value] : input.parameters) {
    int64_t number = 0;
    if (IsIntegerParameter(name) && ParseInt64(value, &number)) {
      params[name].set_int64_param(number);
    } else {
      params[name].set_string_param(value);
    }
  }
  params["timeout"].set_int64_param(input.timeout_us);
  auto* tensor = request->add_inputs();
  tensor->set_name("input-0");
  tensor->set_datatype("BYTES");
  tensor->add_shape(1);
  (*tensor->mutable_parameters())["content_type"].set_string_param(
      std::string(input.media_type));
  std::string* raw = request->add_raw_input_contents();
  raw->reserve(4 + input.file.size());
  bytes_tensor::AppendElement(*raw, input.file);
  return request;
}

StatusOr<V2Answer> AnswerFromGrpc(const inference::ModelInferResponse& r) {
  if (r.outputs_size() == 0) {
    return InvalidArgumentError("gRPC answer: it has no outputs");
  }
  int index = 0;
  for (int i = 0; i < r.outputs_size(); ++i) {
    if (r.outputs(i).name() == "output-0") {
      index = i;
      break;
    }
  }
  const auto& output = r.outputs(index);
  V2Answer answer;
  answer.id = r.id();
  answer.model_name = r.model_name();
  if (!r.model_version().empty()) answer.model_version = r.model_version();
  answer.output_name = output.name();
  answer.datatype = output.datatype();
  int64_t count = 1;
  for (int64_t d : output.shape()) {
    answer.shape.push_back(d);
    count *= d;
  }
  for (const auto& [key, value] : output.parameters()) {
    if (key == "content_type") answer.content_type = value.string_param();
    if (key == "encoding") answer.base64 = value.string_param() == "base64";
  }
  if (r.raw_output_contents_size() > 0) {
    if (index >= r.raw_output_contents_size()) {
      return InvalidArgumentError("gRPC answer: output '" + output.name() +
                                  "' has no raw_output_contents");
    }
    auto elements =
        bytes_tensor::Split(r.raw_output_contents(index), count,
                            "gRPC answer: output '" + output.name() + "'");
    if (!elements.ok()) return elements.status();
    for (std::string_view e : *elements) answer.elements.emplace_back(e);
  } else {
    for (const auto& e : output.contents().bytes_contents()) {
      answer.elements.push_back(e);
    }
  }
  return answer;
}

int HttpStatusForGrpc(grpc::StatusCode code, std::string_view reason) {
  return static_cast<int>(ToHttpStatus(FromGrpcCode(code, reason)));
}

AttemptOutcome ClassifyGrpc(grpc::StatusCode code, std::string_view message,
                            bool deadline_passed) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      // gRPC's own words when the channel has no connection: "failed to
      // connect to all addresses", "Connection refused", a failed lookup.
      if (Contains(message, "failed to connect") ||
          Contains(message, "connection refused") ||
          Contains(message, "dns resolution failed") ||
          Contains(message, "name resolution") ||
          Contains(message, "connect timeout") ||
          Contains(message, "no route to host")) {
        return AttemptOutcome::kRefused;
      }
      // ...and when it broke under a call.
      if (Contains(message, "socket closed") ||
          Contains(message, "connection reset") ||
          Contains(message, "broken pipe") || Contains(message, "goaway") ||
          Contains(message, "connection closed") ||
          Contains(message, "endpoint closing") ||
          Contains(message, "stream removed")) {
        return AttemptOutcome::kReset;
      }
      return AttemptOutcome::kUnavailable;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return deadline_passed ? AttemptOutcome::kTimeout : AttemptOutcome::kOk;
    default:
      return AttemptOutcome::kOk;
  }
}

bool OverReceiveLimit(grpc::StatusCode code, std::string_view message,
                      std::string_view reason, int max_receive_bytes) {
  return code == grpc::StatusCode::RESOURCE_EXHAUSTED && reason.empty() &&
         Contains(message, "received message larger than max") &&
         Contains(message, " vs. " + std::to_string(max_receive_bytes) + ")");
}

}  // namespace ocr
