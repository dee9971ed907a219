// Running the `ocr` command-line client as a user does, for the e2e tests:
// the real binary as a child process, its standard error and output read
// back.
#pragma once

#include <string>
#include <vector>

#include "support/testdata.h"

namespace ocr::testing {

struct CliRun {
  int exit_code = -1;
  std::string output;  // standard error and output together
};

// Runs `ocr ARGS` (arguments are single-quoted; none may hold a quote) with
// OCR_URL and OCR_API_KEY unset unless `env` sets them ("K=V ...").
inline CliRun RunOcr(const std::vector<std::string>& args,
                     const std::string& env = "") {
  std::string command = "env -u OCR_URL -u OCR_API_KEY " + env + " '" +
                        std::string(OCR_CLI_BIN) + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  CliRun run;
  run.output = RunCommand(command + " 2>&1", &run.exit_code);
  return run;
}

inline std::string Url(int port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace ocr::testing
