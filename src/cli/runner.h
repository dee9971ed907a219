// One run of `ocr`: finds the inputs, skips what is done, sends the rest
// with bounded concurrency and retries, writes the results, reports.
#pragma once

#include <cstdio>

#include "cli/cli_options.h"

namespace ocr::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;         // some input failed
inline constexpr int kExitUsage = 2;          // bad command line
inline constexpr int kExitInterrupted = 130;  // SIGINT or SIGTERM

// Runs the batch `options` describes, reporting on `err` (a terminal gets
// a progress bar). Returns the exit status.
int Run(const CliOptions& options, std::FILE* err);

}  // namespace ocr::cli
