// Job ids (job_store.h): 128 bits from the kernel's CSPRNG (getrandom),
// written as 26 characters of Crockford's base32 in lower case.
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/jobs/job_store.h"

namespace ocr::jobs {
namespace {

// Crockford's alphabet: digits and the letters but i, l, o and u, so an id
// read aloud or retyped cannot be confused.
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr size_t kIdLength = 26;  // ceil(128 / 5)

// Fills `out` from getrandom(2), which blocks only until the kernel's pool
// is first initialised. There is no safe id without it: abort.
void RandomBytes(uint8_t* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    const ssize_t n = getrandom(out + filled, size - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "getrandom failed (errno %d): no random ids\n",
                   errno);
      std::abort();
    }
    filled += static_cast<size_t>(n);
  }
}

}  // namespace

std::string NewJobId() {
  std::array<uint8_t, 16> bytes;
  RandomBytes(bytes.data(), bytes.size());
  // The 128 bits, most significant first, preceded by two zero bits to make
  // 130 = 26 * 5; each character takes the next five. The first character
  // so holds only three random bits (0-7).
  std::string id;
  id.reserve(kIdLength);
  for (size_t c = 0; c < kIdLength; ++c) {
    unsigned symbol = 0;
    for (size_t k = c * 5; k < c * 5 + 5; ++k) {
      const bool bit = k >= 2 && (bytes[(k - 2) / 8] >> (7 - (k - 2) % 8)) & 1;
      symbol = (symbol << 1) | (bit ? 1u : 0u);
    }
    id.push_back(kAlphabet[symbol]);
  }
  return id;
}

bool ValidJobId(std::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'z';
    if (!digit && !lower) return false;
  }
  return true;
}

}  // namespace ocr::jobs
