// Image decoding: ocr::DecodeImage (header check + full Leptonica decode) on
// the test images, and Leptonica's header-only pixReadHeaderMem, which is all
// the size-limit check costs before a decode.

#include <benchmark/benchmark.h>
#include <leptonica/allheaders.h>

#include <string>
#include <string_view>

#include "bench_inputs.h"
#include "model_server/core/image_decoder.h"

namespace {

using ocr::bench::ReadTestImage;

void BM_DecodeImage(benchmark::State& state, std::string_view name) {
  const std::string bytes = ReadTestImage(name);
  if (bytes.empty()) {
    state.SkipWithError("cannot read the test image");
    return;
  }
  const ocr::ImageLimits limits;
  for (auto _ : state) {
    auto image = ocr::DecodeImage(bytes, limits);
    if (!image.ok()) {
      state.SkipWithError(image.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(image->pix());
  }
  if (auto image = ocr::DecodeImage(bytes, limits); image.ok()) {
    state.SetLabel(std::to_string(image->width()) + "x" +
                   std::to_string(image->height()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(bytes.size()));
}
BENCHMARK_CAPTURE(BM_DecodeImage, png, "pyt-test.png")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DecodeImage, jpg, "pyt-test.jpg")
    ->Unit(benchmark::kMicrosecond);

void BM_PixReadHeaderMem(benchmark::State& state, std::string_view name) {
  const std::string bytes = ReadTestImage(name);
  if (bytes.empty()) {
    state.SkipWithError("cannot read the test image");
    return;
  }
  const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  for (auto _ : state) {
    if (pixReadHeaderMem(data, bytes.size(), &format, &w, &h, &bps, &spp,
                         &iscmap) != 0) {
      state.SkipWithError("pixReadHeaderMem failed");
      break;
    }
    benchmark::DoNotOptimize(w);
    benchmark::DoNotOptimize(h);
  }
  state.SetLabel(std::to_string(w) + "x" + std::to_string(h));
}
BENCHMARK_CAPTURE(BM_PixReadHeaderMem, png, "pyt-test.png")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PixReadHeaderMem, jpg, "pyt-test.jpg")
    ->Unit(benchmark::kMicrosecond);

}  // namespace
