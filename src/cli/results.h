// Where each input's result goes, whether it is already there, and writing
// it so that a result file is either complete or absent.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli_options.h"
#include "cli/inputs.h"
#include "common/status.h"

namespace ocr::cli {

// <input name minus its extension><format's extension>: next to the input
// when `output_dir` is empty, else output_dir/<input.relative, renamed>.
fs::path ResultPath(const InputFile& input, OutputFormat format,
                    const fs::path& output_dir);

struct PlannedFile {
  InputFile input;
  fs::path result;
  std::string conflict;  // non-empty: the input cannot be done, and why
};

// ResultPath for every input, refusing (with a `conflict`) a result that
// would overwrite its own input (a.pdf -> a.pdf) or that an earlier input
// already writes (a.png and a.jpg -> a.txt).
std::vector<PlannedFile> PlanResults(const std::vector<InputFile>& inputs,
                                     OutputFormat format,
                                     const fs::path& output_dir);

// Whether `result` exists and is not older than `input`: then the input is
// skipped (unless --force).
bool ResultIsCurrent(const fs::path& input, const fs::path& result);

// Writes `bytes` to a hidden temporary file in target's folder (creating
// the folders), flushes it to disk and renames it over `target`.
Status WriteFileAtomically(const fs::path& target, std::string_view bytes);

}  // namespace ocr::cli
