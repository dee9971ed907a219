// Fuzzes DecodeV2InferRequest (model_server/frontend/json_codec.h), the
// decoder of KServe V2 infer request bodies.
//
// Checks, besides the sanitizers:
//  - every rejection is kInvalidArgument with a message (the header's promise;
//    the REST handler maps it to 400);
//  - an accepted request has at least one image;
//  - re-encoding an accepted request canonically (json::AppendString for the
//    strings, base64::Encode for the images, the options as input parameters
//    overriding junk request-level ones) decodes to the same request. This
//    also checks json_writer's escaping against simdjson's unescaping;
//  - EncodeV2InferResponse, given the decoded images as result texts (bytes of
//    any value), writes valid JSON of the documented shape in which every
//    text that is valid UTF-8 comes back unchanged.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "common/json_writer.h"
#include "fuzz_check.h"
#include "model_server/core/types.h"
#include "model_server/frontend/json_codec.h"
#include "same_images.h"

namespace {

// common/http_server.h's kBodySlackBytes: the HTTP server leaves this much
// spare capacity after every body, so simdjson parses it in place instead of
// copying. The fuzzer does the same to cover the path the service takes.
constexpr size_t kBodySlackBytes = 64;

std::string WithSlack(std::string_view body) {
  std::string s;
  s.reserve(body.size() + kBodySlackBytes);
  s.assign(body);
  return s;
}

void AppendInt(std::string& out, const char* key, int64_t value) {
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(value);
}

// The options as a JSON object's members, after a leading "{".
void AppendOptions(std::string& out, const ocr::RequestedOptions& o) {
  out += "\"ignored\":null";  // so that every member below starts with ','
  if (o.lang) {
    out += ",\"lang\":";
    ocr::json::AppendString(out, *o.lang);
  }
  if (o.psm) AppendInt(out, "psm", *o.psm);
  if (o.dpi) AppendInt(out, "dpi", *o.dpi);
  if (o.timeout_us) AppendInt(out, "timeout", *o.timeout_us);
}

// Request-level values that differ from `o`'s, for the options `o` sets:
// the input-level ones must win.
ocr::RequestedOptions Junk(const ocr::RequestedOptions& o) {
  ocr::RequestedOptions junk;
  if (o.lang) junk.lang = *o.lang + "x";
  if (o.psm) junk.psm = *o.psm == 1 ? 2 : 1;
  if (o.dpi) junk.dpi = *o.dpi == 1 ? 2 : 1;
  if (o.timeout_us) junk.timeout_us = *o.timeout_us == 1 ? 2 : 1;
  return junk;
}

std::string Encode(const ocr::InferRequest& r) {
  std::string out = "{\"id\":";
  ocr::json::AppendString(out, r.id);
  out += ",\"parameters\":{";
  AppendOptions(out, Junk(r.options));
  out += "},\"inputs\":[{\"name\":\"input-0\",\"datatype\":\"BYTES\",";
  out += "\"shape\":[" + std::to_string(r.images.size()) + "],\"data\":[";
  for (size_t i = 0; i < r.images.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    ocr::base64::EncodeAppend(out, r.images[i]->bytes());
    out += '"';
  }
  out += "],\"parameters\":{";
  AppendOptions(out, r.options);
  out += "}}],\"outputs\":[{\"name\":\"output-0\"}]}";
  return out;
}

bool SameRequest(const ocr::InferRequest& a, const ocr::InferRequest& b) {
  return a.id == b.id && SameImages(a.images, b.images) &&
         a.options.lang == b.options.lang && a.options.psm == b.options.psm &&
         a.options.dpi == b.options.dpi &&
         a.options.timeout_us == b.options.timeout_us;
}

// Parses a V2 response with simdjson (independent of the encoder) and checks
// it says what `response` holds.
void CheckResponse(const std::string& json,
                   const ocr::InferResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
    std::fprintf(stderr, "EncodeV2InferResponse wrote invalid JSON: %s\n",
                 json.c_str());
    std::abort();
  }
  std::string_view s;
  FUZZ_CHECK(doc["id"].get_string().get(s) == simdjson::SUCCESS &&
             s == response.id);
  FUZZ_CHECK(doc["model_name"].get_string().get(s) == simdjson::SUCCESS &&
             s == response.model_name);
  simdjson::dom::element output;
  FUZZ_CHECK(doc["outputs"].at(0).get(output) == simdjson::SUCCESS);
  FUZZ_CHECK(output["name"].get_string().get(s) == simdjson::SUCCESS &&
             s == ocr::kOutputName);
  uint64_t n = 0;
  FUZZ_CHECK(output["shape"].at(0).get_uint64().get(n) == simdjson::SUCCESS &&
             n == response.results.size());
  simdjson::dom::array data;
  FUZZ_CHECK(output["data"].get_array().get(data) == simdjson::SUCCESS &&
             data.size() == response.results.size());
  size_t i = 0;
  for (simdjson::dom::element text : data) {
    FUZZ_CHECK(text.get_string().get(s) == simdjson::SUCCESS);
    const std::string& want = response.results[i++].text;
    if (simdjson::validate_utf8(want)) FUZZ_CHECK(s == want);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body =
      WithSlack(std::string_view(reinterpret_cast<const char*>(data), size));
  auto request = ocr::DecodeV2InferRequest(body);
  if (!request.ok()) {
    FUZZ_CHECK_REFUSAL(request.status());
    return 0;
  }
  FUZZ_CHECK(!request->images.empty());
  FUZZ_CHECK(request->model_name.empty());  // the handler fills it

  const std::string canonical = WithSlack(Encode(*request));
  auto again = ocr::DecodeV2InferRequest(canonical);
  if (!again.ok()) {
    std::fprintf(stderr, "re-encoded request rejected: %s\n%s\n",
                 again.status().message().c_str(), canonical.c_str());
    std::abort();
  }
  FUZZ_CHECK(SameRequest(*request, *again));

  ocr::InferResponse response;
  response.id = request->id;
  response.model_name = "ocr-model";
  for (const ocr::FileRef& image : request->images) {
    response.results.push_back(
        ocr::OcrResult{.text = std::string(image->bytes())});
  }
  CheckResponse(ocr::EncodeV2InferResponse(response), response);
  return 0;
}
