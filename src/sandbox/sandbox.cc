// The sandbox of sandbox.h: prctl, setrlimit and Landlock (the system-call
// filter: syscall_filter.cc).
#include "sandbox/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

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

// The threads of this process (its entries in /proc/self/task); 0 if that
// cannot be read.
int ThreadCount() {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return 0;
  int n = 0;
  while (const dirent* task = readdir(tasks)) {
    if (task->d_name[0] != '.') ++n;
  }
  closedir(tasks);
  return n;
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
  // landlock_restrict_self binds the calling thread (and the threads it
  // starts later) only: another thread would stay free to open anything.
  if (const int threads = ThreadCount(); threads != 1) {
    return UnavailableError("Landlock would bind one of " +
                            std::to_string(threads) + " threads");
  }
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

}  // namespace ocr::sandbox
