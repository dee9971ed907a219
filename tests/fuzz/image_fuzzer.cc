// Fuzzes DecodeImage (model_server/core/image_decoder.h): the size guards that
// read an image's header before Leptonica decodes it, then the decoding.
//
// The limits are small (4 million pixels, 4096 per side), so that the fuzzer
// does not run out of memory on images the service would also refuse, and so
// that a decode slipping past the guards stands out.
//
// Checks, besides the sanitizers:
//  - a rejection is kInvalidArgument (not an image, corrupt) or
//    kPayloadTooLarge (over the limits); kInternal would mean Leptonica failed
//    on an image it had decoded, which is worth a look;
//  - an accepted image is within the limits, has positive sides, has no alpha
//    channel left (DecodeImage flattens it), and LooksLikeImage agrees;
//  - while DecodeImage runs, no single allocation is larger than the largest
//    image the limits allow at 32 bits per pixel (plus 1 MiB), and the bytes
//    allocated at once stay under four such images (plus 8 MiB). The guards
//    exist so that no decoder ever holds more than the limits allow; checking
//    the result alone would miss a codec that decodes a huge image, or many
//    images, internally and returns a small one (as giflib does with the
//    frames after a GIF's first). Leptonica and the codecs are not
//    instrumented, but their mallocs go through ASan's allocator, whose hooks
//    see them.
#include <leptonica/allheaders.h>
#include <sanitizer/allocator_interface.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/status.h"
#include "fuzz_check.h"
#include "model_server/core/image_decoder.h"

namespace {

constexpr ocr::ImageLimits kLimits{.max_pixels = 4'000'000, .max_side = 4096};
constexpr size_t kMaxImageBytes = kLimits.max_pixels * 4;
constexpr size_t kMaxAllocation = kMaxImageBytes + (size_t{1} << 20);
constexpr size_t kMaxLive = 4 * kMaxImageBytes + (size_t{8} << 20);

// Allocation statistics while `tracking` is on: the largest allocation, and
// the peak of bytes allocated since tracking began minus those freed (frees
// of older blocks can make `live` dip below zero; that only lowers the peak).
// libFuzzer runs the input on one thread, but codecs may start others.
std::atomic<bool> tracking{false};
std::atomic<size_t> largest{0};
std::atomic<int64_t> live{0};
std::atomic<int64_t> peak{0};

void Raise(std::atomic<int64_t>& max, int64_t value) {
  int64_t seen = max.load(std::memory_order_relaxed);
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

void OnMalloc(const volatile void*, size_t size) {
  if (!tracking.load(std::memory_order_relaxed)) return;
  size_t seen = largest.load(std::memory_order_relaxed);
  while (size > seen && !largest.compare_exchange_weak(seen, size)) {
  }
  Raise(peak, live += static_cast<int64_t>(size));
}

void OnFree(const volatile void* ptr) {
  if (!tracking.load(std::memory_order_relaxed) || ptr == nullptr) return;
  // const_cast: the hook's parameter is volatile, the query's is not.
  live -= static_cast<int64_t>(
      __sanitizer_get_allocated_size(const_cast<const void*>(ptr)));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(OnMalloc, OnFree);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  largest = 0;
  live = 0;
  peak = 0;
  tracking = true;
  auto image = ocr::DecodeImage(bytes, kLimits);
  tracking = false;
  // status() returns a copy: keep the message alive for the reports below.
  const std::string outcome =
      image.ok() ? "DecodeImage accepted the image" : image.status().message();
  if (largest > kMaxAllocation) {
    std::fprintf(stderr,
                 "one allocation of %zu bytes while decoding; the limits allow "
                 "images of %zu bytes (%s)\n",
                 largest.load(), kMaxImageBytes, outcome.c_str());
    std::abort();
  }
  if (peak > static_cast<int64_t>(kMaxLive)) {
    std::fprintf(stderr,
                 "%lld bytes allocated at once while decoding; the limits "
                 "allow images of %zu bytes (%s)\n",
                 static_cast<long long>(peak.load()), kMaxImageBytes,
                 outcome.c_str());
    std::abort();
  }
  if (!image.ok()) {
    const ocr::StatusCode code = image.status().code();
    if (code != ocr::StatusCode::kInvalidArgument &&
        code != ocr::StatusCode::kPayloadTooLarge) {
      std::fprintf(stderr, "unexpected status %d: %s\n", static_cast<int>(code),
                   outcome.c_str());
      std::abort();
    }
    return 0;
  }
  const int w = image->width();
  const int h = image->height();
  if (w <= 0 || h <= 0 || w > kLimits.max_side || h > kLimits.max_side ||
      int64_t{w} * h > kLimits.max_pixels) {
    std::fprintf(stderr, "decoded a %dx%d image past the limits\n", w, h);
    std::abort();
  }
  FUZZ_CHECK(image->pix() != nullptr);
  FUZZ_CHECK(pixGetSpp(image->pix()) != 4);
  FUZZ_CHECK(ocr::LooksLikeImage(bytes));
  return 0;
}
