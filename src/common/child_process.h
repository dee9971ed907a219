// What a parent needs of a child process it supervises (the engine workers,
// the page splitter): how it ended, in words, and waiting for its output.
#pragma once

#include <chrono>
#include <string>

namespace ocr {

// "exited with code 3", "was killed by signal 11 (SIGSEGV)" or "ended
// (status N)", from a waitpid status.
std::string DescribeExit(int status);

// Waits until `fd` is readable (or in error, which the read then reports)
// or `until` passes; false on timeout.
bool WaitReadable(int fd, std::chrono::steady_clock::time_point until);

}  // namespace ocr
