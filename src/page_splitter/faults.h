// Faults on demand for tests (ocr-page-splitter-faults, faults.cc): the
// splitter crashes, hangs, garbles its output or tries what its sandbox
// forbids, at a chosen moment. The release build (no_faults.cc) has none.
//
// --fault values: segv | abort | exit | hang | spin | oom | garble |
//                 open:<path> | forbidden
// run right after the sandbox is on; prefixed "page1:" (page1:segv), after
// the first page is written.
#pragma once

#include <string_view>

#include "common/status.h"

namespace ocr::page_split {

enum class FaultStage { kStart, kFirstPage };

// Runs `fault` if it is meant for `stage`. Crashes and hangs never return;
// `open` returns what the call did, `forbidden` what each thing the sandbox
// forbids did (sandbox/forbidden_calls.h, one line each), as an error for
// the splitter to report; `garble` writes junk on `out_fd` and exits.
Status InjectFault(std::string_view fault, FaultStage stage, int out_fd);

}  // namespace ocr::page_split
