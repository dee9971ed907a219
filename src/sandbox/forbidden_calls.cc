// The attempts of forbidden_calls.h, each a raw system call where glibc
// has no wrapper (or its wrapper would hide what the kernel said).
#include "sandbox/forbidden_calls.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ocr::sandbox {
namespace {

// The errno of a call that returned `rc` (negative: failed), 0 if it
// succeeded.
int ErrorOf(long rc) { return rc < 0 ? errno : 0; }

// Reaps the child a process-creating call made, if it made one.
void Reap(long rc) {
  if (rc > 0) waitpid(static_cast<pid_t>(rc), nullptr, __WALL);
}

void CloseIfOpen(long fd) {
  if (fd >= 0) close(static_cast<int>(fd));
}

int TryOpen(const char* path, int flags) {
  const int fd = open(path, flags | O_CLOEXEC, 0600);
  const int error = ErrorOf(fd);
  if (fd >= 0 && (flags & O_CREAT) != 0) unlink(path);
  CloseIfOpen(fd);
  return error;
}

int TryConnect(int fd) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ErrorOf(
      connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to));
}

int TryPtraceAttach(pid_t parent) {
  const long rc = ptrace(PTRACE_ATTACH, parent, nullptr, nullptr);
  const int error = ErrorOf(rc);
  if (rc == 0) {  // the parent is stopped: let it go
    waitpid(parent, nullptr, __WALL);
    ptrace(PTRACE_DETACH, parent, nullptr, nullptr);
  }
  return error;
}

int TryReadMemory(pid_t parent) {
  char byte = 0;
  iovec local{&byte, 1};
  // Its own stack address is as good a guess as any: the call is refused
  // before the kernel looks at it.
  iovec remote{&byte, 1};
  return ErrorOf(process_vm_readv(parent, &local, 1, &remote, 1, 0));
}

siginfo_t QueuedSignal() {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  info.si_code = SI_QUEUE;  // what sigqueue(3) sends
  info.si_pid = getpid();
  return info;
}

}  // namespace

std::vector<Attempt> TryForbiddenCalls(pid_t parent) {
  std::vector<Attempt> out;
  if (parent <= 1) {  // kill(-1) would mean every process
    out.push_back({"parent pid " + std::to_string(parent), EINVAL});
    return out;
  }
  const auto add = [&out](std::string what, int error) {
    out.push_back({std::move(what), error});
  };
  add("open-read /etc/passwd", TryOpen("/etc/passwd", O_RDONLY));
  add("open-read /proc/self/environ", TryOpen("/proc/self/environ", O_RDONLY));
  add("open-write /tmp/ocr-sandbox-probe",
      TryOpen("/tmp/ocr-sandbox-probe", O_WRONLY | O_CREAT | O_TRUNC));

  const int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  add("socket", ErrorOf(sock));
  // On standard input if socket was refused: the filter refuses connect
  // before the kernel looks at the descriptor.
  add("connect", TryConnect(sock >= 0 ? sock : STDIN_FILENO));
  CloseIfOpen(sock);

  io_uring_params params{};
  const long ring = syscall(SYS_io_uring_setup, 1, &params);
  add("io_uring_setup", ErrorOf(ring));
  CloseIfOpen(ring);

  // A child that one of these makes leaves at once, before anything else.
  long rc = fork();
  if (rc == 0) _exit(0);
  add("fork", ErrorOf(rc));
  Reap(rc);
  rc = vfork();
  if (rc == 0) _exit(0);
  add("vfork", ErrorOf(rc));
  Reap(rc);
  rc = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (rc == 0) _exit(0);
  add("clone without CLONE_THREAD", ErrorOf(rc));
  Reap(rc);
  clone_args args{};
  args.exit_signal = SIGCHLD;
  rc = syscall(SYS_clone3, &args, sizeof args);
  if (rc == 0) _exit(0);
  add("clone3", ErrorOf(rc));
  Reap(rc);

  char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
  char* const envp[] = {nullptr};
  add("execve /bin/true", ErrorOf(execve("/bin/true", argv, envp)));

  add("kill parent", ErrorOf(kill(parent, 0)));
  add("kill every process", ErrorOf(kill(-1, 0)));
  add("tgkill parent", ErrorOf(syscall(SYS_tgkill, parent, parent, 0)));
  add("tkill parent", ErrorOf(syscall(SYS_tkill, parent, 0)));
  siginfo_t info = QueuedSignal();
  add("rt_sigqueueinfo parent",
      ErrorOf(syscall(SYS_rt_sigqueueinfo, parent, 0, &info)));
  info = QueuedSignal();
  add("rt_tgsigqueueinfo parent",
      ErrorOf(syscall(SYS_rt_tgsigqueueinfo, parent, parent, 0, &info)));
  const long pidfd = syscall(SYS_pidfd_open, parent, 0);
  add("pidfd_open parent", ErrorOf(pidfd));
  // With the parent's pidfd if the sandbox let it be opened; else with an
  // invalid one, which the filter refuses before the kernel checks it.
  add("pidfd_send_signal parent",
      ErrorOf(syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0)));
  CloseIfOpen(pidfd);

  add("ptrace attach parent", TryPtraceAttach(parent));
  add("process_vm_readv parent", TryReadMemory(parent));
  return out;
}

std::string DescribeAttempts(const std::vector<Attempt>& attempts) {
  std::string out;
  for (const Attempt& a : attempts) {
    const char* name = a.error != 0 ? strerrorname_np(a.error) : nullptr;
    out += a.what + ": " +
           (a.error == 0 ? std::string("succeeded")
                         : std::string(name != nullptr ? name : "E?")) +
           "\n";
  }
  return out;
}

}  // namespace ocr::sandbox
