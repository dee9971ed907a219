// ocr_bench_page: writes a 300-dpi A4 page (2480 x 3508 pixels) tiled from a
// sample image, so bench/run.sh can also measure a realistic page size.
//
//   ocr_bench_page SAMPLE.png OUT.png
#include <leptonica/allheaders.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ocr_bench_page SAMPLE OUT.png\n");
    return 2;
  }
  PIX* tile = pixRead(argv[1]);
  if (tile == nullptr) return 1;
  PIX* tile32 = pixConvertTo32(tile);
  constexpr int kWidth = 2480;  // A4 at 300 dpi
  constexpr int kHeight = 3508;
  PIX* page = pixCreate(kWidth, kHeight, 32);
  pixSetAll(page);  // white
  const int w = pixGetWidth(tile32);
  const int h = pixGetHeight(tile32);
  // Whole tiles only: a cut line of text would be noise, not a page.
  for (int y = 0; y + h <= kHeight; y += h) {
    for (int x = 0; x + w <= kWidth; x += w) {
      pixRasterop(page, x, y, w, h, PIX_SRC, tile32, 0, 0);
    }
  }
  pixSetResolution(page, 300, 300);
  const int rc = pixWrite(argv[2], page, IFF_PNG);
  pixDestroy(&page);
  pixDestroy(&tile32);
  pixDestroy(&tile);
  return rc == 0 ? 0 : 1;
}
