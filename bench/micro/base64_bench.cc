// ocr::base64 throughput. The argument is the size of the function's input
// (raw bytes for Encode, base64 text for Decode); bytes_per_second counts it.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_inputs.h"
#include "common/base64.h"

namespace {

using ocr::bench::RandomBytes;

void BM_Base64Encode(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::string bytes = RandomBytes(n, n);
  for (auto _ : state) {
    std::string text = ocr::base64::Encode(bytes);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          state.range(0));
}
BENCHMARK(BM_Base64Encode)->Arg(100'000)->Arg(4 << 20);

void BM_Base64Decode(benchmark::State& state) {
  // Input sizes are multiples of 4, so the text is exactly range(0) long.
  const std::string text = ocr::base64::Encode(
      RandomBytes(static_cast<size_t>(state.range(0)) / 4 * 3,
                  static_cast<size_t>(state.range(0)) / 4 * 3));
  if (text.size() != static_cast<size_t>(state.range(0))) {
    state.SkipWithError("unexpected base64 length");
    return;
  }
  for (auto _ : state) {
    auto bytes = ocr::base64::Decode(text);
    if (!bytes.ok()) {
      state.SkipWithError("base64 decode failed");
      break;
    }
    benchmark::DoNotOptimize(bytes->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          state.range(0));
}
BENCHMARK(BM_Base64Decode)->Arg(100'000)->Arg(4 << 20);

}  // namespace
