#include "common/child_process.h"

#include <poll.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ocr {

ChildEnvironment::ChildEnvironment(
    std::initializer_list<std::string_view> inherit) {
  entries_ = {"PATH=/usr/bin:/bin", "LC_ALL=C"};
  const auto pass = [this](std::string_view name) {
    const std::string key(name);
    if (const char* value = std::getenv(key.c_str())) {
      entries_.push_back(key + "=" + value);
    }
  };
  for (std::string_view name : inherit) pass(name);
  for (std::string_view name :
       {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    pass(name);
  }
  for (std::string& entry : entries_) pointers_.push_back(entry.data());
  pointers_.push_back(nullptr);
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) + " (SIG" +
           (name != nullptr ? name : "?") + ")";
  }
  return "ended (status " + std::to_string(status) + ")";
}

bool WaitReadable(int fd, std::chrono::steady_clock::time_point until) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int rc =
        poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return true;  // let the read report it
  }
}

}  // namespace ocr
