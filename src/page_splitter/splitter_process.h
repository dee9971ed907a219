// The gateway's side of the page splitter: runs ocr-page-splitter on a
// document in a child process (posix_spawn; its standard input the document
// opened read-only, its standard output a pipe, a minimal environment),
// reads the pages it writes (page_frames.h) and hands them over one by one.
// Whatever the document does to the child, the caller gets a Status:
//  - the document's own error as the splitter reported it (kInvalidArgument
//    for a damaged file, kPayloadTooLarge over --max-pages or a page's size
//    limit, ...);
//  - kInternal "the document could not be split: the splitter was killed by
//    signal 11 (SIGSEGV)" (or exited, or ran out of CPU time, or wrote a
//    garbled stream) when it died or misbehaved;
//  - kDeadlineExceeded when it ran past the wall-clock timeout (it is then
//    killed and reaped).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ocr::page_split {

struct SplitOptions {
  std::string binary;      // ocr-page-splitter (see SplitterBinaryNextToSelf)
  std::string media_type;  // application/pdf or image/tiff (IsSplittable)
  std::string pages_spec;  // the `pages` parameter; empty: every page
  int max_pages = 10000;   // selected pages allowed (kPayloadTooLarge)
  int64_t max_page_bytes = int64_t{64} << 20;  // one page's file
  int64_t memory_bytes = int64_t{1} << 30;     // the child's RLIMIT_AS
  int cpu_seconds = 300;                       // the child's RLIMIT_CPU
  // Wall-clock limit on the child, not counting the time spent in on_page
  // (while the caller stores a page, the child waits for it).
  std::chrono::milliseconds timeout{600000};
  // Where the child's standard error goes; -1: /dev/null.
  int stderr_fd = -1;
  // Appended to the child's command line (tests: --fault=..., faults.h).
  std::vector<std::string> extra_args;
};

struct SplitPage {
  int page = 0;            // 1-based page of the original document
  std::string media_type;  // the document's
  std::string bytes;       // a standalone one-page file
};

// Splits the document at `path`. Blocking: call it from a worker thread.
// `on_page` gets each page in page order; an error it returns stops the
// split (the child is killed) and is returned. Returns the number of pages
// emitted; `*document_pages` gets the document's page count when the
// splitter reported it.
StatusOr<int> SplitDocument(const std::string& path,
                            const SplitOptions& options,
                            const std::function<Status(SplitPage)>& on_page,
                            int* document_pages = nullptr);

// ocr-page-splitter in the folder of the running program (where the build
// and the images put it beside ocr-gateway).
std::string SplitterBinaryNextToSelf();

}  // namespace ocr::page_split
