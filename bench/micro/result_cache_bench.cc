// The result cache's cost per request (--result-cache-mb): the SHA-256 key
// of the image, paid by every request when the cache is on, hit or miss;
// and a lookup that hits. bytes_per_second counts the image bytes hashed.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_inputs.h"
#include "model_server/core/result_cache.h"

namespace {

using ocr::bench::RandomBytes;

// The argument is the image size: the sample PNG is about 100 kB, a phone
// photo a few MB.
void BM_ResultCacheKey(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::string image = RandomBytes(n, n);
  const ocr::OcrOptions options;
  for (auto _ : state) {
    // A file hashes once; a fresh one (its copy not timed) each iteration.
    state.PauseTiming();
    const ocr::SharedFile file(image);
    state.ResumeTiming();
    std::string key =
        ocr::ResultCache::Key(file, ocr::UnitKind::kPage, 0, options);
    benchmark::DoNotOptimize(key.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          state.range(0));
}
BENCHMARK(BM_ResultCacheKey)->Arg(100'000)->Arg(3 << 20);

// A hit on a cache holding 1,000 entries: lock, find, copy the text out.
void BM_ResultCacheHit(benchmark::State& state) {
  ocr::ResultCache cache(64 << 20);
  const ocr::OcrOptions options;
  ocr::OcrResult result;
  result.text = std::string(300, 'x');  // about the sample's text
  std::string key;
  for (int i = 0; i < 1000; ++i) {
    key = ocr::ResultCache::Key(ocr::SharedFile(std::to_string(i)),
                                ocr::UnitKind::kPage, 0, options);
    cache.Insert(key, result);
  }
  for (auto _ : state) {
    auto found = cache.Lookup(key);
    benchmark::DoNotOptimize(found);
  }
}
BENCHMARK(BM_ResultCacheHit);

}  // namespace
