// ocr_bench_page: the benchmark's larger images, made from the sample.
//
//   ocr_bench_page a4 SAMPLE OUT.png     a 300-dpi A4 page (2480 x 3508)
//                                        tiled from whole copies of SAMPLE
//   ocr_bench_page phone SAMPLE OUT.jpg  a 12-megapixel phone photo
//                                        (3000 x 4000 JPEG) of that page
//
// The photo is what a camera makes of the page: the page a little smaller
// than the frame on a darker desk, turned by 1.5 degrees, lit unevenly
// (brighter top left, a vignette), slightly soft, with sensor noise and JPEG
// compression (quality 90). Everything is deterministic (a fixed seed), so
// runs compare.
#include <leptonica/allheaders.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace {

constexpr int kA4Width = 2480;  // A4 at 300 dpi
constexpr int kA4Height = 3508;
constexpr int kPhotoWidth = 3000;  // 12 MP, portrait
constexpr int kPhotoHeight = 4000;

PIX* MakeA4(PIX* sample) {
  PIX* tile = pixConvertTo32(sample);
  PIX* page = pixCreate(kA4Width, kA4Height, 32);
  pixSetAll(page);  // white
  const int w = pixGetWidth(tile);
  const int h = pixGetHeight(tile);
  // Whole tiles only: a cut line of text would be noise, not a page.
  for (int y = 0; y + h <= kA4Height; y += h) {
    for (int x = 0; x + w <= kA4Width; x += w) {
      pixRasterop(page, x, y, w, h, PIX_SRC, tile, 0, 0);
    }
  }
  pixDestroy(&tile);
  pixSetResolution(page, 300, 300);
  return page;
}

// A small deterministic generator (64-bit LCG) for the sensor noise.
class Noise {
 public:
  // Roughly normal, mean 0, standard deviation about `sigma`.
  int Next(double sigma) {
    double sum = 0;
    for (int i = 0; i < 4; ++i) {
      state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
      sum += static_cast<double>(state_ >> 40) / static_cast<double>(1 << 24);
    }
    return static_cast<int>(std::lround((sum - 2.0) * sigma * 1.7));
  }

 private:
  uint64_t state_ = 0x5eed;
};

PIX* MakePhoto(PIX* page) {
  // The page fills 85% of the frame's height.
  const float scale = 0.85f * kPhotoHeight / kA4Height;
  PIX* scaled = pixScale(page, scale, scale);
  PIX* turned = pixRotate(scaled, 1.5f * 3.14159265f / 180.0f,
                          L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
  PIX* photo = pixCreate(kPhotoWidth, kPhotoHeight, 32);
  uint32_t desk = 0;
  composeRGBPixel(118, 104, 92, &desk);
  pixSetAllArbitrary(photo, desk);
  const int w = pixGetWidth(turned);
  const int h = pixGetHeight(turned);
  pixRasterop(photo, (kPhotoWidth - w) / 2, (kPhotoHeight - h) / 2, w, h,
              PIX_SRC, turned, 0, 0);
  PIX* soft = pixBlockconv(photo, 1, 1);  // a 3x3 blur: the lens

  // Light: brighter at the top left, darker corners; then noise.
  Noise noise;
  const int wpl = pixGetWpl(soft);
  uint32_t* data = pixGetData(soft);
  for (int y = 0; y < kPhotoHeight; ++y) {
    uint32_t* line = data + static_cast<std::ptrdiff_t>(y) * wpl;
    const double fy = static_cast<double>(y) / kPhotoHeight;
    for (int x = 0; x < kPhotoWidth; ++x) {
      const double fx = static_cast<double>(x) / kPhotoWidth;
      const double dx = fx - 0.5;
      const double dy = fy - 0.5;
      const double light =
          (1.0 - 0.18 * (fx + fy) / 2) * (1.0 - 0.35 * (dx * dx + dy * dy));
      int r = 0;
      int g = 0;
      int b = 0;
      extractRGBValues(line[x], &r, &g, &b);
      const int n = noise.Next(4.0);
      auto shade = [&](int v) {
        return std::clamp(static_cast<int>(v * light) + n, 0, 255);
      };
      composeRGBPixel(shade(r), shade(g), shade(b), &line[x]);
    }
  }
  pixSetResolution(soft, 0, 0);  // a camera knows no page resolution
  pixDestroy(&photo);
  pixDestroy(&turned);
  pixDestroy(&scaled);
  return soft;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view kind = argc == 4 ? argv[1] : "";
  if (kind != "a4" && kind != "phone") {
    std::fprintf(stderr, "usage: ocr_bench_page a4|phone SAMPLE OUT\n");
    return 2;
  }
  PIX* sample = pixRead(argv[2]);
  if (sample == nullptr) return 1;
  PIX* page = MakeA4(sample);
  int rc = 0;
  if (kind == "a4") {
    rc = pixWrite(argv[3], page, IFF_PNG);
  } else {
    PIX* photo = MakePhoto(page);
    rc = pixWriteJpeg(argv[3], photo, 90, 0);
    pixDestroy(&photo);
  }
  pixDestroy(&page);
  pixDestroy(&sample);
  return rc == 0 ? 0 : 1;
}
