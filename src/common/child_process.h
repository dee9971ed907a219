// What a parent needs of a child process it supervises (the engine workers,
// the page splitter): a minimal environment to start it with, how it ended,
// in words, and waiting for its output.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ocr {

// The environment of a child that parses untrusted bytes, for posix_spawn:
// PATH=/usr/bin:/bin and LC_ALL=C, and of this process's variables only
// those named in `inherit` and the sanitizers' settings (ASAN_OPTIONS,
// UBSAN_OPTIONS, LSAN_OPTIONS), when set. Nothing else of the parent's (its
// keys, tokens, configuration) reaches the child.
class ChildEnvironment {
 public:
  explicit ChildEnvironment(std::initializer_list<std::string_view> inherit);
  ChildEnvironment(const ChildEnvironment&) = delete;
  ChildEnvironment& operator=(const ChildEnvironment&) = delete;

  // NAME=value entries, then a null pointer; valid while this lives.
  char* const* envp() const { return pointers_.data(); }
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

// "exited with code 3", "was killed by signal 11 (SIGSEGV)" or "ended
// (status N)", from a waitpid status.
std::string DescribeExit(int status);

// Waits until `fd` is readable (or in error, which the read then reports)
// or `until` passes; false on timeout.
bool WaitReadable(int fd, std::chrono::steady_clock::time_point until);

}  // namespace ocr
