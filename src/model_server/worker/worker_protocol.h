// The messages between the model server and an engine worker process, over
// one stream socket: frames of [u32 type][u32 length][payload], integers
// little-endian, strings as [u32 length][bytes].
//
//   worker -> server  kReady     once, when every preloaded engine is warm
//   server -> worker  kRecognize a unit of work
//   server -> worker  kCancel    stop the unit in progress (no payload)
//   worker -> server  kResult    the unit's status and result
//
// Decoding is strict: a frame or field that does not add up is an error,
// never a crash (the tests fuzz it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model_server/core/executor.h"
#include "model_server/core/types.h"

namespace ocr::worker {

enum class FrameType : uint32_t {
  kReady = 1,
  kRecognize = 2,
  kCancel = 3,
  kResult = 4,
};

// Larger frames are refused (the server's body limit is 64 MiB by default).
inline constexpr uint32_t kMaxFrameBytes = 1u << 30;
// More pages in one unit are refused (--max-pages is far below).
inline constexpr uint32_t kMaxUnitPages = 1u << 16;
inline constexpr size_t kFrameHeaderBytes = 8;

struct RecognizeMessage {
  UnitKind kind = UnitKind::kPage;
  int page = 0;
  std::vector<int> pages;  // kSearchablePdf
  OcrOptions options;
  int64_t budget_ms = 0;   // time left until the deadline; <= 0: none
  std::string_view image;  // points into the frame it was decoded from
};

struct ResultMessage {
  Status status;
  OcrResult result;  // meaningful when status is OK
};

// The largest kResult payload a unit can honestly produce; the server reads
// no larger answer (a worker that sends one is killed as misbehaving), and
// a worker whose result would be larger answers an error instead. Derived
// from what the server knows before the answer: every page Tesseract reads
// has at most `max_page_pixels` (--max-image-pixels; larger images are
// refused, rescaling stays under it), and per pixel a format writes at most
//   text        1/4 byte  (a glyph covers far more than 4 pixels)
//   hocr, alto, tsv, json  2 bytes  (a word's markup, box and confidence)
//   pdf         4 bytes  (the page image, 8-bit, deflated, and its text)
// plus, with text_layer=use, 16 MiB of a PDF page's own text per page;
// 1 MiB for the status, message and fields; kMaxFrameBytes at most. Those
// are about 25 times what the densest page measured needs (docs/security.md).
uint32_t MaxResultBytes(UnitKind kind, size_t pages, const OcrOptions& options,
                        int64_t max_page_pixels);

// The 8-byte header of a frame.
std::string FrameHeader(FrameType type, uint32_t length);
// Reads a header; kInvalidArgument when the type is unknown or the length is
// over `max_length`.
Status ParseFrameHeader(std::string_view header, uint32_t max_length,
                        FrameType* type, uint32_t* length);

// The payload of a kRecognize frame, without the image (sent after it so
// the image is never copied into a message buffer).
std::string EncodeRecognizeHead(const RecognizeMessage& message,
                                uint32_t image_size);
StatusOr<RecognizeMessage> DecodeRecognize(std::string_view payload);

std::string EncodeResult(const Status& status, const OcrResult& result);
StatusOr<ResultMessage> DecodeResult(std::string_view payload);

}  // namespace ocr::worker
