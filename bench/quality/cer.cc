// ocr_bench_cer: the character error rate of a recognised text.
//
//   ocr_bench_cer TRUTH_FILE HYP_FILE     (HYP_FILE "-": standard input)
//
// prints {"cer":0.0123,"edits":3,"truth_chars":243}: the Levenshtein
// distance over Unicode code points, after every run of whitespace (form
// feeds included) became one space and the ends were trimmed, divided by
// the truth's length (see char_error_rate.h). Exit status 0, or 2 with a
// message on standard error for a usage error, an unreadable file or a text
// of more than 200,000 characters.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "quality/char_error_rate.h"

namespace {

std::optional<std::string> ReadAll(const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    if (std::cin.bad()) return std::nullopt;
    return std::move(text).str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr,
                 "usage: ocr_bench_cer TRUTH_FILE HYP_FILE  (HYP_FILE - reads "
                 "standard input)\n");
    return 2;
  }
  const std::optional<std::string> truth = ReadAll(argv[1]);
  if (!truth) {
    std::fprintf(stderr, "ocr_bench_cer: cannot read %s\n", argv[1]);
    return 2;
  }
  const std::optional<std::string> hypothesis = ReadAll(argv[2]);
  if (!hypothesis) {
    std::fprintf(stderr, "ocr_bench_cer: cannot read %s\n", argv[2]);
    return 2;
  }
  std::string error;
  const auto result = ocr::bench::Cer(*truth, *hypothesis, &error);
  if (!result) {
    std::fprintf(stderr, "ocr_bench_cer: %s\n", error.c_str());
    return 2;
  }
  std::printf("%s\n", ocr::bench::CerJson(*result).c_str());
  return 0;
}
