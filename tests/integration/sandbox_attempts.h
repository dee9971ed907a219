// What the fault-injecting worker and splitter report of their attempts at
// what the sandbox forbids (sandbox/forbidden_calls.h), and what each must
// have got: EACCES for opening a file (the filter's answer, or Landlock's),
// ENOSYS (the filter's answer, which no kernel check gives) for the rest.
#pragma once

#include <map>
#include <sstream>
#include <string>

namespace ocr::testing {

// "what: ERRNO" lines, by what.
inline std::map<std::string, std::string> ParseAttempts(
    const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t colon = line.rfind(": ");
    if (colon != std::string::npos) {
      out[line.substr(0, colon)] = line.substr(colon + 2);
    }
  }
  return out;
}

inline std::map<std::string, std::string> RefusedAttempts() {
  std::map<std::string, std::string> out = {
      {"open-read /etc/passwd", "EACCES"},
      {"open-read /proc/self/environ", "EACCES"},
      {"open-write /tmp/ocr-sandbox-probe", "EACCES"}};
  for (const char* what :
       {"socket", "connect", "io_uring_setup", "fork", "vfork",
        "clone without CLONE_THREAD", "clone3", "execve /bin/true",
        "kill parent", "kill every process", "tgkill parent", "tkill parent",
        "rt_sigqueueinfo parent", "rt_tgsigqueueinfo parent",
        "pidfd_open parent", "pidfd_send_signal parent", "ptrace attach parent",
        "process_vm_readv parent"}) {
    out[what] = "ENOSYS";
  }
  return out;
}

}  // namespace ocr::testing
