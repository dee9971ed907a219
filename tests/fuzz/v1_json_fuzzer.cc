// Fuzzes DecodeV1PredictRequest (model_server/frontend/json_codec.h), the
// decoder of KServe V1 predict bodies {"instances":[b64 | {"b64": b64}]}.
//
// Checks, besides the sanitizers: every rejection is kInvalidArgument with a
// message; an accepted request has at least one image and no options (V1 has
// no parameters); re-encoding its images, alternating the two instance forms,
// decodes to the same images; EncodeV1PredictResponse, given those images as
// texts (bytes of any value), writes valid JSON whose predictions are the
// texts wherever they are valid UTF-8.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "fuzz_check.h"
#include "model_server/core/types.h"
#include "model_server/frontend/json_codec.h"
#include "same_images.h"

namespace {

// common/http_server.h's kBodySlackBytes: bodies arrive with this much spare
// capacity, so simdjson parses them in place; the fuzzer does the same.
constexpr size_t kBodySlackBytes = 64;

std::string WithSlack(std::string_view body) {
  std::string s;
  s.reserve(body.size() + kBodySlackBytes);
  s.assign(body);
  return s;
}

std::string Encode(const ocr::InferRequest& r) {
  std::string out = "{\"instances\":[";
  for (size_t i = 0; i < r.images.size(); ++i) {
    if (i > 0) out += ',';
    const bool object = i % 2 == 1;
    out += object ? "{\"b64\":\"" : "\"";
    ocr::base64::EncodeAppend(out, r.images[i]->bytes());
    out += object ? "\"}" : "\"";
  }
  out += "]}";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body =
      WithSlack(std::string_view(reinterpret_cast<const char*>(data), size));
  auto request = ocr::DecodeV1PredictRequest(body);
  if (!request.ok()) {
    FUZZ_CHECK_REFUSAL(request.status());
    return 0;
  }
  FUZZ_CHECK(!request->images.empty());
  // V1 has no parameters: nothing may leak into the options.
  FUZZ_CHECK(!request->options.lang && !request->options.psm &&
             !request->options.dpi && !request->options.timeout_us);

  const std::string canonical = WithSlack(Encode(*request));
  auto again = ocr::DecodeV1PredictRequest(canonical);
  if (!again.ok()) {
    std::fprintf(stderr, "re-encoded request rejected: %s\n",
                 again.status().message().c_str());
    std::abort();
  }
  FUZZ_CHECK(SameImages(again->images, request->images));

  ocr::InferResponse response;
  for (const ocr::FileRef& image : request->images) {
    response.results.push_back(
        ocr::OcrResult{.text = std::string(image->bytes())});
  }
  const std::string json = ocr::EncodeV1PredictResponse(response);
  simdjson::dom::parser parser;
  simdjson::dom::array predictions;
  if (parser.parse(json)["predictions"].get_array().get(predictions) !=
      simdjson::SUCCESS) {
    std::fprintf(stderr, "EncodeV1PredictResponse wrote bad JSON: %s\n",
                 json.c_str());
    std::abort();
  }
  FUZZ_CHECK(predictions.size() == response.results.size());
  size_t i = 0;
  for (simdjson::dom::element text : predictions) {
    std::string_view s;
    FUZZ_CHECK(text.get_string().get(s) == simdjson::SUCCESS);
    const std::string& want = response.results[i++].text;
    if (simdjson::validate_utf8(want)) FUZZ_CHECK(s == want);
  }
  return 0;
}
