// Test builds only (ocr-page-splitter-faults): the faults of faults.h.
#include "page_splitter/faults.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/forbidden_calls.h"

namespace ocr::page_split {
namespace {

constexpr std::string_view kFirstPagePrefix = "page1:";

Status Outcome(const std::string& call, int rc) {
  return InternalError(call +
                       (rc < 0 ? std::string(" failed: ") + std::strerror(errno)
                               : std::string(" succeeded")));
}

// A real invalid write (no sanitizer check: UBSan would end the process
// with exit code 1 before the signal a hostile document would cause).
__attribute__((no_sanitize_undefined)) void WriteThroughNull() {
  volatile int* nowhere = nullptr;
  *nowhere = 1;
}

}  // namespace

Status InjectFault(std::string_view fault, FaultStage stage, int out_fd) {
  const bool first_page =
      fault.substr(0, kFirstPagePrefix.size()) == kFirstPagePrefix;
  if (first_page) fault.remove_prefix(kFirstPagePrefix.size());
  if (fault.empty() || first_page != (stage == FaultStage::kFirstPage)) {
    return OkStatus();
  }
  if (fault == "segv") WriteThroughNull();
  if (fault == "abort") std::abort();
  if (fault == "exit") std::_Exit(3);
  if (fault == "hang") {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (fault == "spin") {
    volatile uint64_t turns = 0;
    for (;;) turns = turns + 1;
  }
  if (fault == "oom") {
    // Until the address-space limit says no: std::bad_alloc.
    std::vector<std::vector<char>> blocks;
    for (;;) blocks.emplace_back(size_t{64} << 20, 'x');
  }
  if (fault == "garble") {
    const std::string_view junk = "this is not a record";
    if (write(out_fd, junk.data(), junk.size()) < 0) std::_Exit(4);
    std::_Exit(0);
  }
  if (fault.substr(0, 5) == "open:") {
    const std::string path(fault.substr(5));
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
    return Outcome("open " + path, fd);
  }
  if (fault == "forbidden") {
    return InternalError(
        sandbox::DescribeAttempts(sandbox::TryForbiddenCalls(getppid())));
  }
  return InvalidArgumentError("unknown fault '" + std::string(fault) + "'");
}

}  // namespace ocr::page_split
