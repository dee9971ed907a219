#include "model_server/frontend/v2_codec.h"

#include <simdjson.h>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "model_server/frontend/json_params.h"

namespace ocr {
namespace {

using json_params::DecodeImageString;
using json_params::ReadParameters;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// An input's share of the binary data, decoded once all sizes add up.
struct BinaryInput {
  std::string label;
  int64_t count;
  std::string_view data;
};

// The binary data after the JSON header, and how much of it the inputs
// before took.
struct BinaryData {
  const std::shared_ptr<const std::string>* owner;  // the whole body
  std::string_view bytes;
  size_t used = 0;
  std::vector<BinaryInput> inputs;
};

// A present, non-null member of an object.
bool Member(element obj, std::string_view key, element* value) {
  return obj[key].get(*value) == simdjson::SUCCESS && !value->is_null();
}

// A boolean parameter of `params` (an object), unchanged when absent.
Status ReadBoolParam(element params, std::string_view key,
                     std::optional<bool>* out) {
  element value;
  if (!Member(params, key, &value)) return OkStatus();
  bool b;
  if (value.get_bool().get(b) != simdjson::SUCCESS) {
    return InvalidArgumentError("parameter '" + std::string(key) +
                                "' must be true or false");
  }
  *out = b;
  return OkStatus();
}

StatusOr<int64_t> ShapeCount(object obj, const std::string& label) {
  array shape;
  if (obj["shape"].get_array().get(shape) != simdjson::SUCCESS) {
    return InvalidArgumentError(label + " has no 'shape' array");
  }
  int64_t count = 1;
  for (element dim : shape) {
    int64_t d;
    if (dim.get_int64().get(d) != simdjson::SUCCESS || d < 0 ||
        d > (int64_t{1} << 20)) {
      return InvalidArgumentError(label +
                                  " shape must hold non-negative integers");
    }
    count *= d;
    if (count > (int64_t{1} << 20)) {
      return InvalidArgumentError(label + " shape is too large");
    }
  }
  return count;
}

// Flattens V2's optionally nested row-major data arrays.
Status CollectElements(element value, std::vector<element>* out, int depth) {
  if (depth > 8) return InvalidArgumentError("input data is nested too deeply");
  array arr;
  if (value.get_array().get(arr) != simdjson::SUCCESS) {
    out->push_back(value);
    return OkStatus();
  }
  for (element item : arr)
    RETURN_IF_ERROR(CollectElements(item, out, depth + 1));
  return OkStatus();
}

Status DecodeJsonData(element data, int64_t count, const std::string& label,
                      std::vector<FileRef>* images) {
  std::vector<element> elements;
  RETURN_IF_ERROR(CollectElements(data, &elements, 0));
  if (static_cast<int64_t>(elements.size()) != count) {
    return InvalidArgumentError(label + " shape says " + std::to_string(count) +
                                " elements but data holds " +
                                std::to_string(elements.size()));
  }
  if (elements.empty()) return InvalidArgumentError(label + " holds no image");
  for (size_t i = 0; i < elements.size(); ++i) {
    RETURN_IF_ERROR(DecodeImageString(
        elements[i], label + " element " + std::to_string(i), images));
  }
  return OkStatus();
}

// Takes the input's `binary_data_size` bytes of `binary`.
Status TakeBinaryData(uint64_t size, int64_t count, const std::string& label,
                      BinaryData* binary) {
  const size_t left = binary->bytes.size() - binary->used;
  if (size > left) {
    return InvalidArgumentError(
        label + " binary_data_size " + std::to_string(size) +
        " runs past the end of the binary data (" + std::to_string(left) +
        " bytes left after the JSON header)");
  }
  binary->inputs.push_back(
      BinaryInput{label, count, binary->bytes.substr(binary->used, size)});
  binary->used += size;
  return OkStatus();
}

// An input's binary data: a BYTES tensor whose elements are files (slices of
// the body) or their base64 text.
Status DecodeBinaryInput(const BinaryInput& input,
                         const std::shared_ptr<const std::string>& owner,
                         std::vector<FileRef>* images) {
  ASSIGN_OR_RETURN(std::vector<std::string_view> elements,
                   bytes_tensor::Split(input.data, input.count,
                                       input.label + " binary data"));
  if (elements.empty()) {
    return InvalidArgumentError(input.label + " holds no image");
  }
  for (size_t i = 0; i < elements.size(); ++i) {
    if (!bytes_tensor::IsBase64Element(elements[i])) {
      images->push_back(ShareSlice(owner, elements[i]));
      continue;
    }
    auto bytes = base64::Decode(elements[i]);
    if (!bytes.ok()) {
      return InvalidArgumentError(
          input.label + " binary element " + std::to_string(i) +
          " is not valid base64: " + bytes.status().message());
    }
    images->push_back(ShareFile(std::move(bytes).value()));
  }
  return OkStatus();
}

Status DecodeV2Input(element input, BinaryData* binary, InferRequest* request) {
  object obj;
  if (input.get_object().get(obj) != simdjson::SUCCESS) {
    return InvalidArgumentError("each input must be a JSON object");
  }
  std::string_view name, datatype;
  if (obj["name"].get_string().get(name) != simdjson::SUCCESS) {
    return InvalidArgumentError("input has no string 'name'");
  }
  if (name != kInputName) {
    return InvalidArgumentError("unknown input '" + std::string(name) +
                                "'; the model's input is '" +
                                std::string(kInputName) + "'");
  }
  const std::string label = "input '" + std::string(name) + "'";
  if (obj["datatype"].get_string().get(datatype) != simdjson::SUCCESS) {
    return InvalidArgumentError(label + " has no string 'datatype'");
  }
  if (datatype != "BYTES") {
    return InvalidArgumentError(label + " has datatype '" +
                                std::string(datatype) + "'; expected 'BYTES'");
  }
  ASSIGN_OR_RETURN(const int64_t count, ShapeCount(obj, label));
  element params, value, data;
  std::optional<uint64_t> binary_size;
  if (Member(input, "parameters", &params)) {
    RETURN_IF_ERROR(ReadParameters(params, &request->options));
    if (Member(params, "binary_data_size", &value)) {
      uint64_t n;
      if (value.get_uint64().get(n) != simdjson::SUCCESS) {
        return InvalidArgumentError(
            label +
            " parameter 'binary_data_size' must be a non-negative "
            "integer");
      }
      binary_size = n;
    }
  }
  const bool has_data = obj["data"].get(data) == simdjson::SUCCESS;
  if (binary_size.has_value()) {
    if (has_data) {
      return InvalidArgumentError(label +
                                  " has both 'data' and 'binary_data_size'");
    }
    return TakeBinaryData(*binary_size, count, label, binary);
  }
  if (!has_data) return InvalidArgumentError(label + " has no 'data'");
  return DecodeJsonData(data, count, label, &request->images);
}

// The requested outputs: only output-0, and whether as binary data.
Status ReadOutputs(element value, std::optional<bool>* binary) {
  array outputs;
  if (value.get_array().get(outputs) != simdjson::SUCCESS) {
    return InvalidArgumentError("'outputs' must be an array");
  }
  for (element output : outputs) {
    std::string_view name;
    if (output["name"].get_string().get(name) != simdjson::SUCCESS ||
        name != kOutputName) {
      return InvalidArgumentError(
          "unknown requested output; the model's output is '" +
          std::string(kOutputName) + "'");
    }
    element params;
    if (!Member(output, "parameters", &params)) continue;
    if (!params.is_object()) {
      return InvalidArgumentError("the parameters of output '" +
                                  std::string(kOutputName) +
                                  "' must be a JSON object");
    }
    RETURN_IF_ERROR(ReadBoolParam(params, "binary_data", binary));
  }
  return OkStatus();
}

// `body` is the whole body; `owner` holds it when it has binary data.
StatusOr<V2Request> Decode(const std::string& body, size_t header_length,
                           const std::shared_ptr<const std::string>* owner) {
  if (header_length > body.size()) {
    return InvalidArgumentError("Inference-Header-Content-Length " +
                                std::to_string(header_length) +
                                " is past the end of the body (" +
                                std::to_string(body.size()) + " bytes)");
  }
  if (header_length == 0 && !body.empty()) {
    return InvalidArgumentError(
        "the inference header is empty (Inference-Header-Content-Length 0 "
        "is the raw form, a body holding the file alone)");
  }
  simdjson::dom::parser parser;
  element doc;
  if (header_length == body.size()) {
    // Plain JSON: in place when the string's spare capacity is enough (the
    // HTTP server leaves kBodySlackBytes), else simdjson copies it.
    ASSIGN_OR_RETURN(doc, json_params::ParseObject(parser, body));
  } else {
    // simdjson reads up to SIMDJSON_PADDING bytes past the JSON: the binary
    // data after the header, when there are that many, lets it parse in
    // place; else the header is copied into a padded string.
    ASSIGN_OR_RETURN(
        doc, json_params::ParseObjectAt(parser, body.data(), header_length,
                                        body.size(), "inference header"));
  }
  BinaryData binary;
  binary.owner = owner;
  binary.bytes = std::string_view(body).substr(header_length);
  V2Request out;
  InferRequest& request = out.request;
  std::optional<bool> binary_output, output_binary;
  element value;
  if (Member(doc, "id", &value)) {
    std::string_view id;
    if (value.get_string().get(id) != simdjson::SUCCESS) {
      return InvalidArgumentError("'id' must be a string");
    }
    request.id = std::string(id);
  }
  // Request-level parameters first; input-level ones override them.
  if (Member(doc, "parameters", &value)) {
    RETURN_IF_ERROR(ReadParameters(value, &request.options));
    RETURN_IF_ERROR(ReadBoolParam(value, "binary_data_output", &binary_output));
  }
  array inputs;
  if (doc["inputs"].get(value) != simdjson::SUCCESS) {
    return InvalidArgumentError("request has no 'inputs'");
  }
  if (value.get_array().get(inputs) != simdjson::SUCCESS) {
    return InvalidArgumentError("'inputs' must be an array");
  }
  if (inputs.size() != 1) {
    return InvalidArgumentError("expected exactly 1 input ('" +
                                std::string(kInputName) + "'), got " +
                                std::to_string(inputs.size()));
  }
  for (element input : inputs) {
    RETURN_IF_ERROR(DecodeV2Input(input, &binary, &request));
  }
  if (binary.used != binary.bytes.size()) {
    return InvalidArgumentError(
        std::to_string(binary.bytes.size()) +
        " bytes of binary data follow the JSON header but the inputs' "
        "binary_data_size add up to " +
        std::to_string(binary.used));
  }
  for (const BinaryInput& input : binary.inputs) {
    RETURN_IF_ERROR(DecodeBinaryInput(input, *owner, &request.images));
  }
  if (Member(doc, "outputs", &value)) {
    RETURN_IF_ERROR(ReadOutputs(value, &output_binary));
  }
  out.binary_output = output_binary.value_or(binary_output.value_or(false));
  return out;
}

}  // namespace

StatusOr<V2Request> DecodeV2Request(std::shared_ptr<const std::string> body,
                                    size_t header_length) {
  if (body == nullptr) return InvalidArgumentError("no request body");
  return Decode(*body, header_length, &body);
}

StatusOr<InferRequest> DecodeV2InferRequest(const std::string& body) {
  // No binary data, so no slice of the body is taken: no owner needed.
  static const std::shared_ptr<const std::string> kNone;
  ASSIGN_OR_RETURN(V2Request decoded, Decode(body, body.size(), &kNone));
  return std::move(decoded.request);
}

StatusOr<size_t> ParseInferenceHeaderLength(std::string_view value,
                                            size_t body_size) {
  const auto not_integer = [&] {
    return InvalidArgumentError("Inference-Header-Content-Length '" +
                                std::string(value.substr(0, 40)) +
                                "' is not a decimal integer");
  };
  if (value.empty()) return not_integer();
  uint64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return not_integer();
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) {
      n = UINT64_MAX;  // larger than any body
      continue;
    }
    n = n * 10 + digit;
  }
  if (n > body_size) {
    return InvalidArgumentError(
        "Inference-Header-Content-Length " + std::string(value.substr(0, 40)) +
        " is larger than the body (" + std::to_string(body_size) + " bytes)");
  }
  return static_cast<size_t>(n);
}

StatusOr<V2Request> DecodeV2RawRequest(
    std::string body,
    const std::function<std::optional<std::string>(std::string_view)>& query) {
  if (body.empty()) {
    return InvalidArgumentError(
        "the request body holds no image (with "
        "Inference-Header-Content-Length 0 the body is the file)");
  }
  V2Request out;
  out.binary_output = true;
  for (const RequestParameter& parameter : kRequestParameters) {
    if (std::optional<std::string> value = query(parameter.name);
        value.has_value()) {
      RETURN_IF_ERROR(json_params::SetOptionFromText(parameter.name, *value,
                                                     &out.request.options));
    }
  }
  out.request.images.push_back(ShareFile(std::move(body)));
  return out;
}

}  // namespace ocr
