// multipart/form-data parsing as the gateway does it on every upload:
// ocr::ParseMultipart on a whole body (the sample image plus a small text
// field; a ~6 MB file part of random bytes), and the streaming
// ocr::MultipartParser fed the same 6 MB body in 64 KiB chunks.
// bytes_per_second counts the whole multipart body (boundaries and part
// headers included).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bench_inputs.h"
#include "gateway/multipart.h"

namespace {

using ocr::bench::RandomBytes;
using ocr::bench::ReadTestImage;

constexpr std::string_view kBoundary =
    "------------------------d74496d66958873e";  // as curl -F makes them
constexpr size_t kLargePart = 6 << 20;
constexpr size_t kChunk = 64 << 10;

// A body as `curl -F lang=eng -F image_file=@<filename>` sends it, or empty
// when `content` holds the delimiter (it would end the part early).
std::string FormBody(std::string_view content, std::string_view filename) {
  const std::string dash = "--" + std::string(kBoundary);
  if (content.find("\r\n" + dash) != std::string_view::npos) return {};
  std::string body;
  body.reserve(content.size() + 512);
  body += dash;
  body += "\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\neng\r\n";
  body += dash;
  body +=
      "\r\nContent-Disposition: form-data; name=\"image_file\"; filename=\"";
  body += filename;
  body += "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  body += content;
  body += "\r\n" + dash + "--\r\n";
  return body;
}

void RunParseMultipart(benchmark::State& state, const std::string& body,
                       size_t file_size) {
  for (auto _ : state) {
    auto parts = ocr::ParseMultipart(body, kBoundary);
    if (!parts.ok() || parts->size() != 2 ||
        (*parts)[1].body.size() != file_size) {
      state.SkipWithError("the body did not parse into its two parts");
      break;
    }
    benchmark::DoNotOptimize(parts->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
}

void BM_ParseMultipartImage(benchmark::State& state) {
  const std::string image = ReadTestImage("pyt-test.png");
  if (image.empty()) {
    state.SkipWithError("cannot read the test image");
    return;
  }
  const std::string body = FormBody(image, "pyt-test.png");
  if (body.empty()) {
    state.SkipWithError("the image holds the boundary");
    return;
  }
  RunParseMultipart(state, body, image.size());
}
BENCHMARK(BM_ParseMultipartImage)->Unit(benchmark::kMicrosecond);

void BM_ParseMultipartLarge(benchmark::State& state) {
  const std::string body =
      FormBody(RandomBytes(kLargePart, kLargePart), "random.bin");
  if (body.empty()) {
    state.SkipWithError("the random bytes hold the boundary");
    return;
  }
  RunParseMultipart(state, body, kLargePart);
}
BENCHMARK(BM_ParseMultipartLarge)->Unit(benchmark::kMicrosecond);

void BM_MultipartParserStreamLarge(benchmark::State& state) {
  const std::string body =
      FormBody(RandomBytes(kLargePart, kLargePart), "random.bin");
  if (body.empty()) {
    state.SkipWithError("the random bytes hold the boundary");
    return;
  }
  const std::string_view all = body;
  for (auto _ : state) {
    size_t data_bytes = 0;
    ocr::MultipartParser parser(std::string(kBoundary), {},
                                {.on_part_begin = {},
                                 .on_part_data =
                                     [&data_bytes](std::string_view data) {
                                       data_bytes += data.size();
                                       return ocr::OkStatus();
                                     },
                                 .on_part_end = {}});
    ocr::Status status;
    for (size_t at = 0; at < all.size() && status.ok(); at += kChunk) {
      status = parser.Feed(all.substr(at, kChunk));
    }
    if (status.ok()) status = parser.Finish();
    if (!status.ok() || data_bytes != kLargePart + 3) {  // + "eng"
      state.SkipWithError("the streamed body did not parse");
      break;
    }
    benchmark::DoNotOptimize(data_bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_MultipartParserStreamLarge)->Unit(benchmark::kMicrosecond);

}  // namespace
