// Test builds only (the fault-injecting engine worker and page splitter):
// tries, from inside a sandboxed process, each thing its sandbox must
// refuse, and reports what each call did. Tests assert every one failed
// with the filter's own error and that the parent lives on.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ocr::sandbox {

struct Attempt {
  std::string what;  // "socket", "kill parent", "open-read /etc/passwd"
  int error = 0;     // the call's errno; 0 when it succeeded
};

// Tries: opening /etc/passwd and /proc/self/environ for reading and a new
// file for writing; socket, connect; io_uring_setup; fork, vfork, clone
// without CLONE_THREAD, clone3; execve; signals to `parent` by kill,
// tgkill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open +
// pidfd_send_signal, and to every process (kill -1); ptrace(PTRACE_ATTACH)
// and process_vm_readv of `parent`. Signals are signal 0: the kernel's
// whole permission check, but nothing delivered, so a broken sandbox fails
// the test rather than killing the test runner. Whatever succeeds is undone
// (a child exits at once, a descriptor is closed, a tracee detached).
std::vector<Attempt> TryForbiddenCalls(pid_t parent);

// One line per attempt: "socket: ENOSYS", "fork: succeeded".
std::string DescribeAttempts(const std::vector<Attempt>& attempts);

}  // namespace ocr::sandbox
