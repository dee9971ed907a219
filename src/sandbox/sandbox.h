// What a child process that parses untrusted bytes (the model's engine
// workers, the gateway's page splitter) may do after start-up: no new
// privileges, bounded resources, and (with libseccomp) only the system calls
// a recognition or a split makes: no opening of files (with Landlock: but
// chosen folders, for reading), no sockets, no new processes, no signals to
// other processes, no io_uring, no ptrace. A hostile input that takes over
// the decoder finds nothing of the parent's to read and nobody to talk to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ocr::sandbox {

struct ResourceLimits {
  int64_t address_space_bytes = 0;  // RLIMIT_AS; 0: unlimited
  int64_t cpu_seconds = 0;          // RLIMIT_CPU over the process's life; 0: no
  int open_files = 0;               // RLIMIT_NOFILE; 0: unchanged
};

// prctl(PR_SET_NO_NEW_PRIVS) and a parent-death signal: the child never
// outlives the process that started it. Call first thing.
Status DropPrivileges();
Status ApplyResourceLimits(const ResourceLimits& limits);
// Limits what the process can open, for good, to reading the files under
// `dirs` (those that exist), with Landlock: nothing else can be read,
// written, created or removed. kUnavailable when the kernel has no Landlock
// or the process runs more than one thread (Landlock binds the calling
// thread only); then nothing changed.
Status RestrictFilesToReading(const std::vector<std::string>& dirs);
// Installs the system-call filter (syscall_filter.cc), on every thread of
// the process: an allowlist; every other call fails with ENOSYS, opening a
// file with EACCES (the decoder sees a failed call, not a dead process).
// With `read_only_open`, opening a file for reading is left to Landlock
// (RestrictFilesToReading, applied first); otherwise no file can be opened.
Status InstallSyscallFilter(bool read_only_open = false);

}  // namespace ocr::sandbox
