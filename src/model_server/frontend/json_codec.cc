#include "model_server/frontend/json_codec.h"

#include <simdjson.h>

#include "common/base64.h"
#include "common/http_server.h"
#include "common/json_writer.h"
#include "common/options.h"
#include "model_server/core/document_options.h"

namespace ocr {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// simdjson parses a std::string in place when its spare capacity covers
// SIMDJSON_PADDING, else it copies it first; the HTTP server leaves that
// much room after every body it reads.
static_assert(kBodySlackBytes >= simdjson::SIMDJSON_PADDING);

StatusOr<element> ParseObject(simdjson::dom::parser& parser,
                              const std::string& body) {
  element doc;
  if (auto error = parser.parse(body).get(doc); error) {
    return InvalidArgumentError(
        std::string("request body is not valid JSON: ") +
        simdjson::error_message(error));
  }
  if (!doc.is_object()) {
    return InvalidArgumentError("request body must be a JSON object");
  }
  return doc;
}

// An integer parameter given as a JSON number or a numeric string.
Status ReadIntParam(std::string_view name, element value,
                    std::optional<int64_t>* out) {
  int64_t i;
  double d;
  std::string_view s;
  if (value.get_int64().get(i) == simdjson::SUCCESS) {
    *out = i;
  } else if (value.get_double().get(d) == simdjson::SUCCESS && d >= -0x1p63 &&
             d < 0x1p63 &&  // else the cast below is UB
             d == static_cast<double>(static_cast<int64_t>(d))) {
    *out = static_cast<int64_t>(d);
  } else if (value.get_string().get(s) == simdjson::SUCCESS &&
             ParseInt64(s, &i)) {
    *out = i;
  } else {
    return InvalidArgumentError("parameter '" + std::string(name) +
                                "' must be an integer");
  }
  return OkStatus();
}

// A string parameter; `pages` may also be a page number.
Status ReadStringParam(std::string_view name, element value,
                       std::optional<std::string>* out) {
  std::string_view s;
  int64_t i;
  if (value.get_string().get(s) == simdjson::SUCCESS) {
    *out = std::string(s);
  } else if (name == "pages" && value.get_int64().get(i) == simdjson::SUCCESS) {
    *out = std::to_string(i);
  } else if (bool b;
             name == "deskew" && value.get_bool().get(b) == simdjson::SUCCESS) {
    *out = b ? "true" : "false";
  } else {
    return InvalidArgumentError("parameter '" + std::string(name) +
                                "' must be a string");
  }
  return OkStatus();
}

// Reads the options we understand from a `parameters` object; ignores others
// (content_type, for example) as KServe does.
Status ReadParameters(element params, RequestedOptions* options) {
  object obj;
  if (params.get_object().get(obj) != simdjson::SUCCESS) {
    return InvalidArgumentError("'parameters' must be a JSON object");
  }
  for (auto field : obj) {
    const std::string_view key = field.key;
    if (key == "lang") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->lang));
    } else if (key == "output") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->output));
    } else if (key == "text_layer") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->text_layer));
    } else if (key == "pages") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->pages));
    } else if (key == "rotate") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->rotate));
    } else if (key == "deskew") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->deskew));
    } else if (key == "rescale") {
      RETURN_IF_ERROR(ReadStringParam(key, field.value, &options->rescale));
    } else if (key == "psm") {
      RETURN_IF_ERROR(ReadIntParam(key, field.value, &options->psm));
    } else if (key == "dpi") {
      RETURN_IF_ERROR(ReadIntParam(key, field.value, &options->dpi));
    } else if (key == "timeout") {
      RETURN_IF_ERROR(ReadIntParam(key, field.value, &options->timeout_us));
    } else if (key == "binary_data_size") {
      return InvalidArgumentError(
          "binary tensor data is not supported; send base64 strings in JSON");
    }
  }
  return OkStatus();
}

Status DecodeImageString(element value, std::string_view what,
                         std::vector<FileRef>* images) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return InvalidArgumentError(std::string(what) +
                                " must be a base64-encoded image string");
  }
  auto bytes = base64::Decode(text);
  if (!bytes.ok()) {
    return InvalidArgumentError(std::string(what) + " is not valid base64: " +
                                bytes.status().message());
  }
  images->push_back(ShareFile(std::move(bytes).value()));
  return OkStatus();
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

Status DecodeV2Input(element input, InferRequest* request) {
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
  element data;
  if (obj["data"].get(data) != simdjson::SUCCESS) {
    return InvalidArgumentError(label + " has no 'data'");
  }
  std::vector<element> elements;
  RETURN_IF_ERROR(CollectElements(data, &elements, 0));
  if (static_cast<int64_t>(elements.size()) != count) {
    return InvalidArgumentError(label + " shape says " + std::to_string(count) +
                                " elements but data holds " +
                                std::to_string(elements.size()));
  }
  if (elements.empty()) return InvalidArgumentError(label + " holds no image");
  for (size_t i = 0; i < elements.size(); ++i) {
    RETURN_IF_ERROR(DecodeImageString(elements[i],
                                      label + " element " + std::to_string(i),
                                      &request->images));
  }
  element params;
  if (obj["parameters"].get(params) == simdjson::SUCCESS && !params.is_null()) {
    RETURN_IF_ERROR(ReadParameters(params, &request->options));
  }
  return OkStatus();
}

}  // namespace

StatusOr<InferRequest> DecodeV2InferRequest(const std::string& body) {
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(element doc, ParseObject(parser, body));
  InferRequest request;
  element value;
  if (doc["id"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    std::string_view id;
    if (value.get_string().get(id) != simdjson::SUCCESS) {
      return InvalidArgumentError("'id' must be a string");
    }
    request.id = std::string(id);
  }
  // Request-level parameters first; input-level ones override them.
  if (doc["parameters"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    RETURN_IF_ERROR(ReadParameters(value, &request.options));
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
  element first;
  if (inputs.at(0).get(first) != simdjson::SUCCESS) {
    return InvalidArgumentError("'inputs' must hold an object");
  }
  RETURN_IF_ERROR(DecodeV2Input(first, &request));
  if (doc["outputs"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    array outputs;
    if (value.get_array().get(outputs) != simdjson::SUCCESS) {
      return InvalidArgumentError("'outputs' must be an array");
    }
    for (element output : outputs) {
      std::string_view name;
      if (output["name"].get_string().get(name) != simdjson::SUCCESS ||
          name != kOutputName) {
        return InvalidArgumentError(
            "unknown requested output; the model's "
            "output is '" +
            std::string(kOutputName) + "'");
      }
    }
  }
  return request;
}

std::string EncodeV2InferResponse(const InferResponse& response) {
  const OutputFormatInfo& info = Info(response.output);
  size_t size = 160 + response.id.size() + response.model_name.size();
  for (const auto& r : response.results) size += r.text.size() * 4 / 3 + 8;
  std::string out;
  out.reserve(size);
  out += "{\"id\":";
  json::AppendString(out, response.id);
  out += ",\"model_name\":";
  json::AppendString(out, response.model_name);
  out += ",\"model_version\":null,\"outputs\":[{\"name\":\"";
  out += kOutputName;
  out += "\",\"shape\":[";
  out += std::to_string(response.results.size());
  // Plain text as the reference answers it (parameters null); any other
  // output says what its elements hold.
  out += "],\"datatype\":\"BYTES\",\"parameters\":";
  if (response.output == OutputFormat::kText) {
    out += "null";
  } else {
    out += "{\"content_type\":";
    json::AppendString(out, info.media_type);
    if (info.binary) out += ",\"encoding\":\"base64\"";
    out += "}";
  }
  out += ",\"data\":[";
  for (size_t i = 0; i < response.results.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (info.binary) {
      out.push_back('"');
      base64::EncodeAppend(out, response.results[i].text);
      out.push_back('"');
    } else {
      json::AppendString(out, response.results[i].text);
    }
  }
  out += "]}]}";
  return out;
}

StatusOr<InferRequest> DecodeV1PredictRequest(const std::string& body) {
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(element doc, ParseObject(parser, body));
  array instances;
  element value;
  if (doc["instances"].get(value) != simdjson::SUCCESS) {
    return InvalidArgumentError("request has no 'instances'");
  }
  if (value.get_array().get(instances) != simdjson::SUCCESS) {
    return InvalidArgumentError("'instances' must be an array");
  }
  if (instances.size() == 0) {
    return InvalidArgumentError("'instances' holds no image");
  }
  InferRequest request;
  size_t i = 0;
  for (element instance : instances) {
    const std::string what = "instance " + std::to_string(i++);
    element b64 = instance;
    if (instance.is_object() && instance["b64"].get(b64) != simdjson::SUCCESS) {
      return InvalidArgumentError(what + " is an object without 'b64'");
    }
    RETURN_IF_ERROR(DecodeImageString(b64, what, &request.images));
  }
  return request;
}

std::string EncodeV1PredictResponse(const InferResponse& response) {
  const bool binary = Info(response.output).binary;
  std::string out = "{\"predictions\":[";
  for (size_t i = 0; i < response.results.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (binary) {  // as V1 carries binary: {"b64": ...}
      out += "{\"b64\":\"";
      base64::EncodeAppend(out, response.results[i].text);
      out += "\"}";
    } else {
      json::AppendString(out, response.results[i].text);
    }
  }
  out += "]}";
  return out;
}

}  // namespace ocr
