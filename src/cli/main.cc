// ocr: sends image files to the OCR gateway or model service and writes one
// result per input. See README.md, "Command-line client".
#include <cstdio>

#include "cli/cli_options.h"
#include "cli/runner.h"

int main(int argc, char** argv) {
  auto line = ocr::cli::ParseCommandLine(argc, argv);
  if (!line.ok()) {
    std::fprintf(stderr, "ocr: %s\n", line.status().message().c_str());
    return ocr::cli::kExitUsage;
  }
  if (line->help) {
    std::fputs(line->help_text.c_str(), stdout);
    return ocr::cli::kExitOk;
  }
  return ocr::cli::Run(line->options, stderr);
}
