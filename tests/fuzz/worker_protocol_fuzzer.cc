// The messages between the model server and its engine workers
// (src/model_server/worker/worker_protocol.h), hand-written: a frame header,
// then a payload read as a kRecognize or a kResult message. A refusal is
// kInvalidArgument; whatever decodes re-encodes to a message that decodes to
// the same values.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "model_server/worker/worker_protocol.h"

using namespace ocr::worker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  FrameType type;
  uint32_t length = 0;
  ocr::Status header = ParseFrameHeader(in.substr(0, kFrameHeaderBytes),
                                        kMaxFrameBytes, &type, &length);
  if (!header.ok()) FUZZ_CHECK_REFUSAL(header);
  const std::string_view payload =
      in.size() > kFrameHeaderBytes ? in.substr(kFrameHeaderBytes) : "";

  auto recognize = DecodeRecognize(payload);
  if (!recognize.ok()) {
    FUZZ_CHECK_REFUSAL(recognize.status());
  } else {
    const std::string again =
        EncodeRecognizeHead(*recognize,
                            static_cast<uint32_t>(recognize->image.size())) +
        std::string(recognize->image);
    auto twice = DecodeRecognize(again);
    FUZZ_CHECK(twice.ok());
    FUZZ_CHECK(twice->options.lang == recognize->options.lang);
    FUZZ_CHECK(twice->options.psm == recognize->options.psm);
    FUZZ_CHECK(twice->options.dpi == recognize->options.dpi);
    FUZZ_CHECK(twice->budget_ms == recognize->budget_ms);
    FUZZ_CHECK(twice->kind == recognize->kind);
    FUZZ_CHECK(twice->page == recognize->page);
    FUZZ_CHECK(twice->pages == recognize->pages);
    FUZZ_CHECK(twice->options.output == recognize->options.output);
    FUZZ_CHECK(twice->options.text_layer == recognize->options.text_layer);
    FUZZ_CHECK(twice->options.rescale == recognize->options.rescale);
    FUZZ_CHECK(twice->image == recognize->image);
  }

  auto result = DecodeResult(payload);
  if (!result.ok()) {
    FUZZ_CHECK_REFUSAL(result.status());
  } else {
    auto twice = DecodeResult(EncodeResult(result->status, result->result));
    FUZZ_CHECK(twice.ok());
    FUZZ_CHECK(twice->status.code() == result->status.code());
    FUZZ_CHECK(twice->status.message() == result->status.message() ||
               result->status.ok());
    FUZZ_CHECK(twice->result.text == result->result.text);
    FUZZ_CHECK(twice->result.width == result->result.width);
    FUZZ_CHECK(twice->result.characters == result->result.characters);
  }
  return 0;
}
