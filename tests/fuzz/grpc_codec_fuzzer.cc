// Fuzzes DecodeGrpcInferRequest and EncodeGrpcInferResponse
// (model_server/grpc/grpc_codec.h), the translation of the V2 gRPC API's
// ModelInferRequest. The input is a serialized ModelInferRequest (what gRPC
// hands the service after parsing the wire bytes); inputs protobuf itself
// rejects are skipped.
//
// Checks, besides the sanitizers:
//  - every rejection is kInvalidArgument with a message;
//  - an accepted request has at least one image and keeps the message's id;
//  - re-encoding an accepted request canonically (each image raw, or as
//    base64 text where the raw bytes would be read as base64; in
//    contents.bytes_contents or in raw_input_contents; the options as input
//    parameters overriding junk request-level ones) decodes to the same id,
//    images and options;
//  - the response encoder, fed the images as result texts, answers output-0,
//    BYTES, shape [N] with exactly those texts, in raw_output_contents when
//    asked, and content_type for anything but text.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "fuzz_check.h"
#include "model_server/frontend/v2_codec.h"
#include "model_server/grpc/grpc_codec.h"
#include "proto/grpc_predict_v2.pb.h"
#include "same_images.h"

namespace {

using inference::InferParameter;
using inference::ModelInferRequest;
using Parameters = google::protobuf::Map<std::string, InferParameter>;

void SetString(Parameters& p, const char* name,
               const std::optional<std::string>& value) {
  if (value) p[name].set_string_param(*value);
}

void SetInt(Parameters& p, const char* name,
            const std::optional<int64_t>& value) {
  if (value) p[name].set_int64_param(*value);
}

void SetOptions(const ocr::RequestedOptions& o, Parameters& p) {
  p["ignored"].set_bool_param(true);  // unknown names are ignored
  SetString(p, "lang", o.lang);
  SetInt(p, "psm", o.psm);
  SetInt(p, "dpi", o.dpi);
  SetInt(p, "timeout", o.timeout_us);
  SetString(p, "output", o.output);
  SetString(p, "text_layer", o.text_layer);
  SetString(p, "pages", o.pages);
  SetString(p, "rotate", o.rotate);
  SetString(p, "deskew", o.deskew);
  SetString(p, "rescale", o.rescale);
}

// Request-level values unlike `o`'s, for the options `o` sets: the
// input-level ones must win.
ocr::RequestedOptions Junk(const ocr::RequestedOptions& o) {
  auto other = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string>(*s + "x") : std::nullopt;
  };
  auto other_int = [](const std::optional<int64_t>& i) {
    return i ? std::optional<int64_t>(*i == 1 ? 2 : 1) : std::nullopt;
  };
  return {.lang = other(o.lang),
          .psm = other_int(o.psm),
          .dpi = other_int(o.dpi),
          .timeout_us = other_int(o.timeout_us),
          .output = other(o.output),
          .text_layer = other(o.text_layer),
          .pages = other(o.pages),
          .rotate = other(o.rotate),
          .deskew = other(o.deskew),
          .rescale = other(o.rescale)};
}

bool SameOptions(const ocr::RequestedOptions& a,
                 const ocr::RequestedOptions& b) {
  return a.lang == b.lang && a.psm == b.psm && a.dpi == b.dpi &&
         a.timeout_us == b.timeout_us && a.output == b.output &&
         a.text_layer == b.text_layer && a.pages == b.pages &&
         a.rotate == b.rotate && a.deskew == b.deskew && a.rescale == b.rescale;
}

// An element that decodes to `bytes`: the bytes, unless they would be read
// as base64; then their base64 text (after a newline if the text would be
// taken for a file: base64 of some bytes starts like "BM" or "P1").
std::string Element(const std::string& bytes) {
  if (!ocr::bytes_tensor::IsBase64Element(bytes)) return bytes;
  std::string text = ocr::base64::Encode(bytes);
  if (!ocr::bytes_tensor::IsBase64Element(text)) text = "\n" + text;
  FUZZ_CHECK(ocr::bytes_tensor::IsBase64Element(text));
  return text;
}

ModelInferRequest Encode(const ocr::InferRequest& r, bool raw) {
  ModelInferRequest m;
  m.set_id(r.id);
  SetOptions(Junk(r.options), *m.mutable_parameters());
  auto* input = m.add_inputs();
  input->set_name(std::string(ocr::kInputName));
  input->set_datatype("BYTES");
  input->add_shape(static_cast<int64_t>(r.images.size()));
  SetOptions(r.options, *input->mutable_parameters());
  if (raw) {
    std::string* tensor = m.add_raw_input_contents();
    for (const ocr::FileRef& image : r.images) {
      ocr::bytes_tensor::AppendElement(*tensor,
                                       Element(std::string(image->bytes())));
    }
  } else {
    for (const ocr::FileRef& image : r.images) {
      input->mutable_contents()->add_bytes_contents(
          Element(std::string(image->bytes())));
    }
  }
  m.add_outputs()->set_name(std::string(ocr::kOutputName));
  return m;
}

void CheckResponse(const ocr::InferResponse& response, bool raw) {
  inference::ModelInferResponse out;
  ocr::EncodeGrpcInferResponse(response, raw, &out);
  // Through the wire format, as a client gets it.
  inference::ModelInferResponse parsed;
  FUZZ_CHECK(parsed.ParseFromString(out.SerializeAsString()));
  FUZZ_CHECK(parsed.id() == response.id);
  FUZZ_CHECK(parsed.model_name() == response.model_name);
  FUZZ_CHECK(parsed.outputs_size() == 1);
  const auto& output = parsed.outputs(0);
  FUZZ_CHECK(output.name() == ocr::kOutputName);
  FUZZ_CHECK(output.datatype() == "BYTES");
  const auto n = static_cast<int64_t>(response.results.size());
  FUZZ_CHECK(output.shape_size() == 1 && output.shape(0) == n);
  const bool typed = output.parameters().contains("content_type");
  FUZZ_CHECK(typed == (response.output != ocr::OutputFormat::kText));
  if (raw) {
    FUZZ_CHECK(parsed.raw_output_contents_size() == 1);
    FUZZ_CHECK(output.contents().bytes_contents_size() == 0);
    auto elements =
        ocr::bytes_tensor::Split(parsed.raw_output_contents(0), n, "output");
    FUZZ_CHECK(elements.ok());
    for (int64_t i = 0; i < n; ++i) {
      FUZZ_CHECK((*elements)[i] == response.results[i].text);
    }
  } else {
    FUZZ_CHECK(parsed.raw_output_contents_size() == 0);
    FUZZ_CHECK(output.contents().bytes_contents_size() == n);
    for (int64_t i = 0; i < n; ++i) {
      FUZZ_CHECK(output.contents().bytes_contents(static_cast<int>(i)) ==
                 response.results[i].text);
    }
  }
}

}  // namespace

// protobuf logs every string field that is not UTF-8 (what a fuzzer makes
// all the time): that would be most of the run's time and output.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ModelInferRequest message;
  if (!message.ParseFromArray(data, static_cast<int>(size))) return 0;
  const std::string id = message.id();
  const bool raw_in = ocr::WantsRawOutput(message);
  auto request = ocr::DecodeGrpcInferRequest(message);
  if (!request.ok()) {
    FUZZ_CHECK_REFUSAL(request.status());
    return 0;
  }
  FUZZ_CHECK(!request->images.empty());
  FUZZ_CHECK(request->id == id);
  FUZZ_CHECK(request->model_name.empty());  // the service fills it

  // Both forms, whichever the input used.
  for (const bool raw : {false, true}) {
    ModelInferRequest canonical = Encode(*request, raw);
    FUZZ_CHECK(ocr::WantsRawOutput(canonical) == raw);
    auto again = ocr::DecodeGrpcInferRequest(canonical);
    if (!again.ok()) {
      std::fprintf(stderr, "re-encoded request rejected: %s\n",
                   again.status().message().c_str());
      std::abort();
    }
    FUZZ_CHECK(again->id == request->id);
    FUZZ_CHECK(SameImages(again->images, request->images));
    FUZZ_CHECK(SameOptions(again->options, request->options));
  }

  ocr::InferResponse response;
  response.id = request->id;
  response.model_name = "ocr-model";
  response.output = static_cast<ocr::OutputFormat>(size % 6);
  for (const ocr::FileRef& image : request->images) {
    response.results.push_back(
        ocr::OcrResult{.text = std::string(image->bytes())});
  }
  CheckResponse(response, raw_in);
  CheckResponse(response, !raw_in);
  return 0;
}
