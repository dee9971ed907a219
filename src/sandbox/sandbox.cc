// The sandbox of sandbox.h: prctl, setrlimit, Landlock and a libseccomp filter.
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace ocr::sandbox {
namespace {

Status Errno(const std::string& what) {
  return InternalError(what + ": " + std::strerror(errno));
}

Status SetLimit(int resource, int64_t value, const char* name) {
  rlimit limit{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  if (setrlimit(resource, &limit) != 0) {
    return Errno(std::string("setrlimit ") + name);
  }
  return OkStatus();
}

}  // namespace

Status DropPrivileges() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Errno("PR_SET_NO_NEW_PRIVS");
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    return Errno("PR_SET_PDEATHSIG");
  }
  // No core dumps of a page's pixels.
  return SetLimit(RLIMIT_CORE, 0, "RLIMIT_CORE");
}

Status ApplyResourceLimits(const ResourceLimits& limits) {
  if (limits.address_space_bytes > 0) {
    RETURN_IF_ERROR(
        SetLimit(RLIMIT_AS, limits.address_space_bytes, "RLIMIT_AS"));
  }
  if (limits.cpu_seconds > 0) {
    RETURN_IF_ERROR(SetLimit(RLIMIT_CPU, limits.cpu_seconds, "RLIMIT_CPU"));
  }
  if (limits.open_files > 0) {
    RETURN_IF_ERROR(
        SetLimit(RLIMIT_NOFILE, limits.open_files, "RLIMIT_NOFILE"));
  }
  return OkStatus();
}

Status RestrictFilesToReading(const std::vector<std::string>& dirs) {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0,
                           LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return UnavailableError("the kernel has no Landlock");
  // Every file-system right the kernel knows is handled (so denied unless
  // a rule grants it).
  uint64_t handled =
      LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
      LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
      LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
      LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
      LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
      LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
      LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) handled |= LANDLOCK_ACCESS_FS_REFER;
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE  // Linux 6.2's headers; truncate(2) and
  // writable opens are refused by the system-call filter anyway
  if (abi >= 3) handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = handled;
  const int ruleset = static_cast<int>(
      syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (ruleset < 0) return Errno("landlock_create_ruleset");
  Status status = OkStatus();
  for (const std::string& dir : dirs) {
    const int fd = open(dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0) continue;  // not on this system
    landlock_path_beneath_attr rule{};
    rule.allowed_access =
        LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    rule.parent_fd = fd;
    if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                &rule, 0) != 0) {
      status = Errno("landlock_add_rule " + dir);
    }
    close(fd);
  }
  if (status.ok() && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    status = Errno("landlock_restrict_self");
  }
  close(ruleset);
  return status;
}

Status InstallSyscallFilter(bool read_only_open) {
  struct Release {
    void operator()(void* ctx) const { seccomp_release(ctx); }
  };
  std::unique_ptr<void, Release> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return InternalError("seccomp_init failed");
  int rc = 0;
  auto deny = [&](int syscall, int error) {
    if (rc == 0)
      rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(error), syscall, 0);
  };
  // Files: nothing can be opened (with read_only_open: but for reading,
  // where Landlock allows it), created or linked.
  if (read_only_open) {
    for (const scmp_datum_t flag : {O_CREAT, O_TRUNC, O_APPEND, O_TMPFILE}) {
      if (rc == 0) {
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EACCES),
                              SCMP_SYS(openat), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, flag, flag));
      }
    }
    for (const scmp_datum_t mode : {O_WRONLY, O_RDWR}) {
      if (rc == 0) {
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EACCES),
                              SCMP_SYS(openat), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, mode));
      }
    }
  } else {
    deny(SCMP_SYS(openat), EACCES);
  }
  for (int call : {SCMP_SYS(open),
                   SCMP_SYS(openat2),
                   SCMP_SYS(creat),
                   SCMP_SYS(open_by_handle_at),
                   SCMP_SYS(name_to_handle_at),
                   SCMP_SYS(memfd_create),
                   SCMP_SYS(link),
                   SCMP_SYS(linkat),
                   SCMP_SYS(symlink),
                   SCMP_SYS(symlinkat),
                   SCMP_SYS(unlink),
                   SCMP_SYS(unlinkat),
                   SCMP_SYS(rename),
                   SCMP_SYS(renameat),
                   SCMP_SYS(renameat2),
                   SCMP_SYS(mkdir),
                   SCMP_SYS(mkdirat),
                   SCMP_SYS(chdir),
                   SCMP_SYS(fchdir),
                   SCMP_SYS(chroot),
                   SCMP_SYS(mount),
                   SCMP_SYS(truncate)}) {
    deny(call, EACCES);
  }
  // Network and other processes.
  for (int call : {SCMP_SYS(socket),
                   SCMP_SYS(socketpair),
                   SCMP_SYS(connect),
                   SCMP_SYS(bind),
                   SCMP_SYS(listen),
                   SCMP_SYS(accept),
                   SCMP_SYS(accept4),
                   SCMP_SYS(execve),
                   SCMP_SYS(execveat),
                   SCMP_SYS(fork),
                   SCMP_SYS(vfork),
                   SCMP_SYS(ptrace),
                   SCMP_SYS(process_vm_readv),
                   SCMP_SYS(process_vm_writev),
                   SCMP_SYS(setrlimit),
                   SCMP_SYS(prlimit64),
                   SCMP_SYS(setuid),
                   SCMP_SYS(setgid),
                   SCMP_SYS(setns),
                   SCMP_SYS(unshare),
                   SCMP_SYS(bpf),
                   SCMP_SYS(perf_event_open),
                   SCMP_SYS(kexec_load),
                   SCMP_SYS(init_module),
                   SCMP_SYS(finit_module)}) {
    deny(call, EPERM);
  }
  // Threads (OpenMP) may be created; processes may not. glibc falls back
  // from clone3 to clone when clone3 is refused with ENOSYS.
  deny(SCMP_SYS(clone3), ENOSYS);
  if (rc == 0) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  }
  // Signals only to itself (abort() raises SIGABRT with tgkill).
  const pid_t self = getpid();
  if (rc == 0) {
    rc =
        seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                         SCMP_A0(SCMP_CMP_NE, static_cast<scmp_datum_t>(self)));
  }
  if (rc == 0) {
    rc =
        seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
                         SCMP_A0(SCMP_CMP_NE, static_cast<scmp_datum_t>(self)));
  }
  if (rc != 0) {
    return InternalError(std::string("seccomp rule: ") + std::strerror(-rc));
  }
  rc = seccomp_load(ctx.get());
  if (rc != 0) {
    return InternalError(std::string("seccomp_load: ") + std::strerror(-rc));
  }
  return OkStatus();
}

}  // namespace ocr::sandbox
