// Inputs the micro-benchmarks share: deterministic random bytes and the
// test images under OCR_TESTDATA_DIR.
#pragma once

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

namespace ocr::bench {

// `n` pseudo-random bytes, the same for the same `seed`.
inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) {
      out[i + k] = static_cast<char>(v & 0xFF);
      v >>= 8;
    }
  }
  return out;
}

// Contents of OCR_TESTDATA_DIR/images/<name>, or empty when unreadable.
inline std::string ReadTestImage(std::string_view name) {
  const std::string path =
      std::string(OCR_TESTDATA_DIR) + "/images/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return in ? bytes.str() : std::string();
}

}  // namespace ocr::bench
