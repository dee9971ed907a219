// The job store interface's free functions: state names, finality, job ids.
#include "gateway/jobs/job_store.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdlib>

namespace ocr::jobs {
namespace {

// 32 symbols, [0-9a-z] without i, l, o and u (easily confused or rude).
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr size_t kIdLength = 26;  // 130 bits: the first symbol carries 3

}  // namespace

std::string_view Name(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kPartiallySucceeded:
      return "partially_succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

bool IsFinal(JobState state) {
  return state != JobState::kQueued && state != JobState::kRunning;
}

std::string_view Name(PageState state) {
  switch (state) {
    case PageState::kQueued:
      return "queued";
    case PageState::kRunning:
      return "running";
    case PageState::kSucceeded:
      return "succeeded";
    case PageState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string NewJobId() {
  std::array<unsigned char, 16> random{};
  size_t got = 0;
  while (got < random.size()) {
    const ssize_t n = getrandom(random.data() + got, random.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    // The kernel's generator cannot fail for 16 bytes once seeded; an id
    // that is not random would be a guessable key, so never go on.
    if (n <= 0) std::abort();
    got += static_cast<size_t>(n);
  }
  // The 128 bits as one big-endian number in base 32, most significant
  // symbol first, after 2 leading zero bits (so the first symbol is 0-7).
  auto bit = [&random](size_t k) -> size_t {
    if (k < 2) return 0;
    k -= 2;
    return (random[k / 8] >> (7 - k % 8)) & 1u;
  };
  std::string id(kIdLength, '0');
  for (size_t i = 0; i < kIdLength; ++i) {
    size_t symbol = 0;
    for (size_t b = 0; b < 5; ++b) symbol = (symbol << 1) | bit(i * 5 + b);
    id[i] = kAlphabet[symbol];
  }
  return id;
}

bool ValidJobId(std::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return id[0] <= '7';
}

}  // namespace ocr::jobs
