#include "model_server/grpc/grpc_codec.h"

#include <memory>
#include <string>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "model_server/core/document_options.h"
#include "model_server/core/request_parameters.h"
#include "model_server/frontend/json_codec.h"

namespace ocr {
namespace {

using Parameters =
    google::protobuf::Map<std::string, inference::InferParameter>;

Status ReadParameters(const Parameters& parameters, RequestedOptions* options) {
  for (const auto& [name, p] : parameters) {
    ParameterValue value;
    switch (p.parameter_choice_case()) {
      case inference::InferParameter::kBoolParam:
        value = p.bool_param();
        break;
      case inference::InferParameter::kInt64Param:
        value = p.int64_param();
        break;
      case inference::InferParameter::kStringParam:
        value = std::string_view(p.string_param());
        break;
      case inference::InferParameter::kDoubleParam:
        value = p.double_param();
        break;
      case inference::InferParameter::kUint64Param:
        if (p.uint64_param() > static_cast<uint64_t>(INT64_MAX)) {
          return InvalidArgumentError("parameter '" + name + "' is too large");
        }
        value = static_cast<int64_t>(p.uint64_param());
        break;
      case inference::InferParameter::PARAMETER_CHOICE_NOT_SET:
        continue;
    }
    RETURN_IF_ERROR(SetRequestParameter(name, value, options));
  }
  return OkStatus();
}

// An element is a file, or base64 text of one.
Status AddElement(FileRef raw, const std::string& what,
                  std::vector<FileRef>* images) {
  if (!bytes_tensor::IsBase64Element(raw->bytes())) {
    images->push_back(std::move(raw));
    return OkStatus();
  }
  auto bytes = base64::Decode(raw->bytes());
  if (!bytes.ok()) {
    return InvalidArgumentError(
        what + " is not valid base64: " + bytes.status().message());
  }
  images->push_back(ShareFile(std::move(bytes).value()));
  return OkStatus();
}

}  // namespace

bool WantsRawOutput(const inference::ModelInferRequest& message) {
  return message.raw_input_contents_size() > 0;
}

StatusOr<InferRequest> DecodeGrpcInferRequest(
    inference::ModelInferRequest& message) {
  InferRequest request;
  request.id = message.id();
  RETURN_IF_ERROR(ReadParameters(message.parameters(), &request.options));
  if (message.inputs_size() != 1) {
    return InvalidArgumentError("expected exactly 1 input ('" +
                                std::string(kInputName) + "'), got " +
                                std::to_string(message.inputs_size()));
  }
  auto& input = *message.mutable_inputs(0);
  if (input.name() != kInputName) {
    return InvalidArgumentError("unknown input '" + input.name() +
                                "'; the model's input is '" +
                                std::string(kInputName) + "'");
  }
  const std::string label = "input '" + input.name() + "'";
  if (input.datatype() != "BYTES") {
    return InvalidArgumentError(label + " has datatype '" + input.datatype() +
                                "'; expected 'BYTES'");
  }
  int64_t count = 1;
  for (const int64_t d : input.shape()) {
    if (d < 0 || d > (int64_t{1} << 20)) {
      return InvalidArgumentError(label +
                                  " shape must hold non-negative integers");
    }
    count *= d;
    if (count > (int64_t{1} << 20)) {
      return InvalidArgumentError(label + " shape is too large");
    }
  }
  if (input.shape_size() == 0) {
    return InvalidArgumentError(label + " has no shape");
  }
  if (message.outputs_size() > 1 ||
      (message.outputs_size() == 1 &&
       message.outputs(0).name() != kOutputName)) {
    return InvalidArgumentError(
        "unknown requested output; the model's output "
        "is '" +
        std::string(kOutputName) + "'");
  }

  auto* contents = input.mutable_contents();
  const int in_contents = contents->bytes_contents_size();
  const bool raw = message.raw_input_contents_size() > 0;
  if (raw && in_contents > 0) {
    return InvalidArgumentError(
        label + " has data both in contents and in raw_input_contents");
  }
  if (raw) {
    if (message.raw_input_contents_size() != 1) {
      return InvalidArgumentError(
          "raw_input_contents holds " +
          std::to_string(message.raw_input_contents_size()) +
          " tensors; the model has 1 input");
    }
    // The whole tensor moves into one shared buffer; each file is a slice.
    auto buffer = std::make_shared<const std::string>(
        std::move(*message.mutable_raw_input_contents(0)));
    ASSIGN_OR_RETURN(std::vector<std::string_view> elements,
                     bytes_tensor::Split(*buffer, count, label));
    for (size_t i = 0; i < elements.size(); ++i) {
      RETURN_IF_ERROR(AddElement(ShareSlice(buffer, elements[i]),
                                 label + " element " + std::to_string(i),
                                 &request.images));
    }
  } else {
    if (in_contents != count) {
      return InvalidArgumentError(
          label + " shape says " + std::to_string(count) +
          " elements but contents.bytes_contents holds " +
          std::to_string(in_contents));
    }
    for (int i = 0; i < in_contents; ++i) {
      RETURN_IF_ERROR(
          AddElement(ShareFile(std::move(*contents->mutable_bytes_contents(i))),
                     label + " element " + std::to_string(i), &request.images));
    }
  }
  if (request.images.empty()) {
    return InvalidArgumentError(label + " holds no image");
  }
  RETURN_IF_ERROR(ReadParameters(input.parameters(), &request.options));
  return request;
}

void EncodeGrpcInferResponse(const InferResponse& response, bool raw_output,
                             inference::ModelInferResponse* out) {
  out->set_model_name(response.model_name);
  out->set_id(response.id);
  auto* output = out->add_outputs();
  output->set_name(std::string(kOutputName));
  output->set_datatype("BYTES");
  output->add_shape(static_cast<int64_t>(response.results.size()));
  if (response.output != OutputFormat::kText) {
    (*output->mutable_parameters())["content_type"].set_string_param(
        std::string(Info(response.output).media_type));
  }
  if (raw_output) {
    std::string* tensor = out->add_raw_output_contents();
    std::vector<size_t> sizes;
    for (const auto& r : response.results) sizes.push_back(r.text.size());
    tensor->reserve(bytes_tensor::SerializedSize(sizes));
    for (const auto& r : response.results) {
      bytes_tensor::AppendElement(*tensor, r.text);
    }
    return;
  }
  auto* contents = output->mutable_contents();
  for (const auto& r : response.results) contents->add_bytes_contents(r.text);
}

}  // namespace ocr
