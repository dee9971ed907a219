// Fuzzes the binary tensor data extension of the V2 codec
// (model_server/frontend/v2_codec.h): ParseInferenceHeaderLength,
// DecodeV2Request, DecodeV2RawRequest and EncodeV2Response.
//
// Input: the Inference-Header-Content-Length value, '\n', then the body (the
// JSON header and the binary data). When the value is 0 (the raw form) the
// body's first line is a query string ("lang=deu&psm=6") and the rest the
// file. The body is allocated without spare capacity, so that ASan sees any
// read past it (simdjson's padding included).
//
// Checks, besides the sanitizers:
//  - every refusal is kInvalidArgument with a message;
//  - ParseInferenceHeaderLength accepts exactly the decimal integers up to the
//    body size, and returns their value;
//  - an accepted request has at least one image; re-encoded canonically (raw
//    elements for files, base64 elements for those a raw one would be taken
//    for base64, or JSON data when neither can carry an image; options as
//    input parameters overriding junk request-level ones; binary_data on the
//    output overriding the opposite binary_data_output) it decodes to the same
//    images, options and binary_output, raw elements as slices of the body;
//  - the raw form holds the file as it is, with the query's options;
//  - EncodeV2Response, given the images as result texts, writes today's JSON
//    without binary output, and with it a JSON header whose binary_data_size
//    is the size of what follows, a BYTES tensor of exactly the texts.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "common/json_writer.h"
#include "fuzz_check.h"
#include "model_server/core/types.h"
#include "model_server/frontend/v2_codec.h"
#include "same_images.h"

namespace {

using ocr::RequestedOptions;

void AppendInt(std::string& out, const char* key,
               const std::optional<int64_t>& value) {
  if (!value) return;
  out += ",\"";
  out += key;
  out += "\":" + std::to_string(*value);
}

void AppendString(std::string& out, const char* key,
                  const std::optional<std::string>& value) {
  if (!value) return;
  out += ",\"";
  out += key;
  out += "\":";
  ocr::json::AppendString(out, *value);
}

// The options as a JSON object's members, after a leading "{".
void AppendOptions(std::string& out, const RequestedOptions& o) {
  out += "\"ignored\":null";  // so that every member below starts with ','
  AppendString(out, "lang", o.lang);
  AppendInt(out, "psm", o.psm);
  AppendInt(out, "dpi", o.dpi);
  AppendInt(out, "timeout", o.timeout_us);
  AppendString(out, "output", o.output);
  AppendString(out, "text_layer", o.text_layer);
  AppendString(out, "pages", o.pages);
  AppendString(out, "rotate", o.rotate);
  AppendString(out, "deskew", o.deskew);
  AppendString(out, "rescale", o.rescale);
}

// Request-level values that differ from `o`'s, for the options `o` sets.
RequestedOptions Junk(const RequestedOptions& o) {
  const auto other = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string>(*s + "x") : std::nullopt;
  };
  const auto other_int = [](const std::optional<int64_t>& i) {
    return i ? std::optional<int64_t>(*i == 1 ? 2 : 1) : std::nullopt;
  };
  return RequestedOptions{other(o.lang),    other_int(o.psm),
                          other_int(o.dpi), other_int(o.timeout_us),
                          other(o.output),  other(o.text_layer),
                          other(o.pages),   other(o.rotate),
                          other(o.deskew),  other(o.rescale)};
}

bool SameOptions(const RequestedOptions& a, const RequestedOptions& b) {
  return a.lang == b.lang && a.psm == b.psm && a.dpi == b.dpi &&
         a.timeout_us == b.timeout_us && a.output == b.output &&
         a.text_layer == b.text_layer && a.pages == b.pages &&
         a.rotate == b.rotate && a.deskew == b.deskew && a.rescale == b.rescale;
}

bool Inside(std::string_view part, const std::string& whole) {
  return part.data() >= whole.data() &&
         part.data() + part.size() <= whole.data() + whole.size();
}

// The canonical binary form of `r`; `header_length` receives the JSON's size.
std::string Encode(const ocr::V2Request& r, size_t* header_length) {
  std::string binary;
  bool as_binary = true;
  for (const ocr::FileRef& image : r.request.images) {
    if (!ocr::bytes_tensor::IsBase64Element(image->bytes())) {
      ocr::bytes_tensor::AppendElement(binary, image->bytes());
      continue;
    }
    const std::string text = ocr::base64::Encode(image->bytes());
    // Base64 text that starts like an image file would be taken for one.
    if (!ocr::bytes_tensor::IsBase64Element(text)) as_binary = false;
    ocr::bytes_tensor::AppendElement(binary, text);
  }
  std::string out = "{\"id\":";
  ocr::json::AppendString(out, r.request.id);
  out += ",\"parameters\":{";
  AppendOptions(out, Junk(r.request.options));
  out += r.binary_output ? ",\"binary_data_output\":false}"
                         : ",\"binary_data_output\":true}";
  out += ",\"inputs\":[{\"name\":\"input-0\",\"datatype\":\"BYTES\",";
  out += "\"shape\":[" + std::to_string(r.request.images.size()) + "],";
  if (!as_binary) {
    out += "\"data\":[";
    for (size_t i = 0; i < r.request.images.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      ocr::base64::EncodeAppend(out, r.request.images[i]->bytes());
      out += '"';
    }
    out += "],";
    binary.clear();
  }
  out += "\"parameters\":{";
  AppendOptions(out, r.request.options);
  if (as_binary)
    out += ",\"binary_data_size\":" + std::to_string(binary.size());
  out += "}}],\"outputs\":[{\"name\":\"output-0\",\"parameters\":";
  out += r.binary_output ? "{\"binary_data\":true}}]}"
                         : "{\"binary_data\":false}}]}";
  *header_length = out.size();
  return out + binary;
}

void CheckResponse(const ocr::InferResponse& response, bool binary_output) {
  const ocr::V2Encoded enc = ocr::EncodeV2Response(response, binary_output);
  if (!binary_output) {
    FUZZ_CHECK(enc.body == ocr::EncodeV2InferResponse(response));
    FUZZ_CHECK(enc.header_length == enc.body.size());
    return;
  }
  FUZZ_CHECK(enc.header_length <= enc.body.size());
  simdjson::dom::parser parser;
  simdjson::dom::element doc, output;
  const simdjson::padded_string header(enc.body.data(), enc.header_length);
  FUZZ_CHECK(parser.parse(header).get(doc) == simdjson::SUCCESS);
  FUZZ_CHECK(doc["outputs"].at(0).get(output) == simdjson::SUCCESS);
  std::string_view s;
  FUZZ_CHECK(output["name"].get_string().get(s) == simdjson::SUCCESS &&
             s == ocr::kOutputName);
  FUZZ_CHECK(output["data"].error() == simdjson::NO_SUCH_FIELD);
  uint64_t n = 0, size = 0;
  FUZZ_CHECK(output["shape"].at(0).get_uint64().get(n) == simdjson::SUCCESS &&
             n == response.results.size());
  FUZZ_CHECK(output["parameters"]["binary_data_size"].get_uint64().get(size) ==
             simdjson::SUCCESS);
  const std::string_view binary =
      std::string_view(enc.body).substr(enc.header_length);
  FUZZ_CHECK(size == binary.size());
  auto elements = ocr::bytes_tensor::Split(
      binary, static_cast<int64_t>(response.results.size()), "output");
  FUZZ_CHECK(elements.ok());
  for (size_t i = 0; i < elements->size(); ++i) {
    FUZZ_CHECK((*elements)[i] == response.results[i].text);
  }
}

// The raw form: the first line a query string, the rest the file.
void FuzzRaw(std::string_view body) {
  const size_t nl = body.find('\n');
  const std::string_view query =
      nl == std::string_view::npos ? body : body.substr(0, nl);
  const std::string file(nl == std::string_view::npos ? std::string_view()
                                                      : body.substr(nl + 1));
  std::map<std::string, std::string, std::less<>> params;
  for (size_t at = 0; at <= query.size();) {
    size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(at, end - at);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      params.emplace(std::string(pair.substr(0, eq)),
                     std::string(pair.substr(eq + 1)));
    }
    at = end + 1;
  }
  auto decoded = ocr::DecodeV2RawRequest(
      file, [&](std::string_view name) -> std::optional<std::string> {
        auto it = params.find(name);
        if (it == params.end()) return std::nullopt;
        return it->second;
      });
  if (!decoded.ok()) {
    FUZZ_CHECK_REFUSAL(decoded.status());
    return;
  }
  FUZZ_CHECK(decoded->binary_output);
  FUZZ_CHECK(decoded->request.images.size() == 1);
  FUZZ_CHECK(decoded->request.images[0]->bytes() == file);
  const RequestedOptions& o = decoded->request.options;
  for (const auto& [name, want] : params) {
    if (name == "lang") FUZZ_CHECK(o.lang == want);
    if (name == "pages") FUZZ_CHECK(o.pages == want);
    if (name == "rescale") FUZZ_CHECK(o.rescale == want);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view value = input.substr(0, nl);
  const auto body = std::make_shared<const std::string>(input.substr(nl + 1));

  auto length = ocr::ParseInferenceHeaderLength(value, body->size());
  bool digits = !value.empty() && value.size() < 19;
  for (const char c : value) digits = digits && c >= '0' && c <= '9';
  const bool fits = digits && std::stoull(std::string(value)) <= body->size();
  if (!length.ok()) {
    FUZZ_CHECK_REFUSAL(length.status());
    FUZZ_CHECK(!fits);
    return 0;
  }
  FUZZ_CHECK(value.size() >= 19 ||
             (fits && *length == std::stoull(std::string(value))));
  if (*length == 0) {
    FuzzRaw(*body);
    auto r = ocr::DecodeV2Request(body, 0);
    FUZZ_CHECK(!r.ok());
    FUZZ_CHECK_REFUSAL(r.status());
    return 0;
  }

  auto request = ocr::DecodeV2Request(body, *length);
  if (!request.ok()) {
    FUZZ_CHECK_REFUSAL(request.status());
    return 0;
  }
  FUZZ_CHECK(!request->request.images.empty());
  FUZZ_CHECK(request->request.model_name.empty());

  size_t canonical_length = 0;
  const auto canonical =
      std::make_shared<const std::string>(Encode(*request, &canonical_length));
  auto again = ocr::DecodeV2Request(canonical, canonical_length);
  if (!again.ok()) {
    std::fprintf(stderr, "re-encoded request rejected: %s\n",
                 again.status().message().c_str());
    std::abort();
  }
  FUZZ_CHECK(again->request.id == request->request.id);
  FUZZ_CHECK(SameImages(again->request.images, request->request.images));
  FUZZ_CHECK(SameOptions(again->request.options, request->request.options));
  FUZZ_CHECK(again->binary_output == request->binary_output);
  for (const ocr::FileRef& image : again->request.images) {
    if (canonical_length < canonical->size() &&
        !ocr::bytes_tensor::IsBase64Element(image->bytes())) {
      FUZZ_CHECK(Inside(image->bytes(), *canonical));  // zero copy
    }
  }

  ocr::InferResponse response;
  response.id = request->request.id;
  response.model_name = "ocr-model";
  response.output =
      static_cast<ocr::OutputFormat>(request->request.images.size() % 6);
  for (const ocr::FileRef& image : request->request.images) {
    response.results.push_back(
        ocr::OcrResult{.text = std::string(image->bytes())});
  }
  CheckResponse(response, request->binary_output);
  CheckResponse(response, !request->binary_output);
  return 0;
}
