#include "gateway/upstream_v2_binary.h"

#include <simdjson.h>

#include "common/bytes_tensor.h"
#include "common/json_writer.h"

namespace ocr {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Status Malformed(std::string what) {
  return InvalidArgumentError("binary answer: " + std::move(what));
}

// The fields of one output of the header; `binary_size` < 0 when its data
// is in the header.
struct OutputHeader {
  V2Answer answer;
  int64_t binary_size = -1;
  element data;
};

StatusOr<OutputHeader> ReadOutput(element output) {
  OutputHeader out;
  std::string_view s;
  if (output["name"].get_string().get(s) != simdjson::SUCCESS) {
    return Malformed("an output has no name");
  }
  out.answer.output_name = std::string(s);
  if (output["datatype"].get_string().get(s) == simdjson::SUCCESS) {
    out.answer.datatype = std::string(s);
  }
  array shape;
  if (output["shape"].get_array().get(shape) == simdjson::SUCCESS) {
    for (element dim : shape) {
      int64_t d;
      if (dim.get_int64().get(d) != simdjson::SUCCESS || d < 0) {
        return Malformed("output shape must hold non-negative integers");
      }
      out.answer.shape.push_back(d);
    }
  }
  object params;
  if (output["parameters"].get_object().get(params) == simdjson::SUCCESS) {
    for (auto field : params) {
      if (field.key == "binary_data_size") {
        if (field.value.get_int64().get(out.binary_size) != simdjson::SUCCESS ||
            out.binary_size < 0) {
          return Malformed("binary_data_size must be a non-negative integer");
        }
      } else if (field.key == "content_type" &&
                 field.value.get_string().get(s) == simdjson::SUCCESS) {
        out.answer.content_type = std::string(s);
      } else if (field.key == "encoding" &&
                 field.value.get_string().get(s) == simdjson::SUCCESS) {
        out.answer.base64 = s == "base64";
      }
    }
  }
  if (out.binary_size < 0 &&
      output["data"].get(out.data) != simdjson::SUCCESS) {
    return Malformed("output '" + out.answer.output_name +
                     "' has neither data nor binary_data_size");
  }
  return out;
}

int64_t Elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace

BinaryRequest BuildV2BinaryRequest(const InferInput& input,
                                   std::string_view request_id) {
  std::string header = "{\"id\":";
  json::AppendString(header, request_id);
  header += ",\"parameters\":{";
  for (const auto& [name, value] : input.parameters) {
    json::AppendString(header, name);
    header += ":";
    json::AppendString(header, value);
    header += ",";
  }
  header += "\"timeout\":" + std::to_string(input.timeout_us) +
            ",\"binary_data_output\":true},\"inputs\":[{\"name\":"
            "\"input-0\",\"shape\":[1],\"datatype\":\"BYTES\","
            "\"parameters\":{\"content_type\":";
  json::AppendString(header, input.media_type);
  header += ",\"binary_data_size\":" +
            std::to_string(bytes_tensor::SerializedSize({input.file.size()})) +
            "}}]}";
  BinaryRequest out;
  out.header_bytes = header.size();
  out.body.reserve(header.size() + 4 + input.file.size());
  out.body = std::move(header);
  bytes_tensor::AppendElement(out.body, input.file);
  return out;
}

StatusOr<V2Answer> ParseV2BinaryAnswer(std::string_view body,
                                       size_t header_bytes) {
  if (header_bytes > body.size()) {
    return Malformed("its JSON header of " + std::to_string(header_bytes) +
                     " bytes is longer than the body (" +
                     std::to_string(body.size()) + " bytes)");
  }
  const simdjson::padded_string header(body.substr(0, header_bytes));
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(header).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Malformed("its header is not a JSON object");
  }
  V2Answer answer;
  std::string_view s;
  if (doc["id"].get_string().get(s) == simdjson::SUCCESS) {
    answer.id = std::string(s);
  }
  if (doc["model_name"].get_string().get(s) == simdjson::SUCCESS) {
    answer.model_name = std::string(s);
  }
  if (doc["model_version"].get_string().get(s) == simdjson::SUCCESS) {
    answer.model_version = std::string(s);
  }
  array outputs;
  if (doc["outputs"].get_array().get(outputs) != simdjson::SUCCESS ||
      outputs.size() == 0) {
    return Malformed("it has no outputs");
  }
  size_t offset = header_bytes;
  bool found = false;
  for (element output : outputs) {
    ASSIGN_OR_RETURN(OutputHeader o, ReadOutput(output));
    std::string_view data;
    if (o.binary_size >= 0) {
      if (static_cast<uint64_t>(o.binary_size) > body.size() - offset) {
        return Malformed("output '" + o.answer.output_name + "' says " +
                         std::to_string(o.binary_size) + " bytes but " +
                         std::to_string(body.size() - offset) + " follow");
      }
      data = body.substr(offset, static_cast<size_t>(o.binary_size));
      offset += static_cast<size_t>(o.binary_size);
    }
    // output-0 is the model's one output; the first one when none is.
    if (found || (o.answer.output_name != "output-0" && outputs.size() > 1)) {
      continue;
    }
    found = true;
    o.answer.id = answer.id;
    o.answer.model_name = answer.model_name;
    o.answer.model_version = answer.model_version;
    answer = std::move(o.answer);
    if (o.binary_size >= 0) {
      auto elements = bytes_tensor::Split(
          data, Elements(answer.shape), "output '" + answer.output_name + "'");
      if (!elements.ok()) return Malformed(elements.status().message());
      for (std::string_view e : *elements) answer.elements.emplace_back(e);
    } else {
      array items;
      if (o.data.get_array().get(items) != simdjson::SUCCESS) {
        return Malformed("output data must be an array");
      }
      for (element item : items) {
        if (item.get_string().get(s) != simdjson::SUCCESS) {
          return Malformed("output data must hold strings");
        }
        answer.elements.emplace_back(s);
      }
    }
  }
  if (!found) return Malformed("it has no output 'output-0'");
  if (offset != body.size()) {
    return Malformed(std::to_string(body.size() - offset) +
                     " bytes follow the last output's data");
  }
  return answer;
}

}  // namespace ocr
