// FUZZ_CHECK: the fuzzers' assertion. It aborts, which libFuzzer reports as a
// crash and saves the input, whether or not NDEBUG is defined.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                    \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

// A decoder's refusal: always kInvalidArgument, and it says why.
#define FUZZ_CHECK_REFUSAL(status)                                      \
  do {                                                                  \
    FUZZ_CHECK((status).code() == ::ocr::StatusCode::kInvalidArgument); \
    FUZZ_CHECK(!(status).message().empty());                            \
  } while (0)
