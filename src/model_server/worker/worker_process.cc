#include "model_server/worker/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/child_process.h"
#include "model_server/worker/socket_io.h"
#include "model_server/worker/worker_protocol.h"

namespace ocr::worker {
namespace {

using std::chrono::milliseconds;

}  // namespace

StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(
    const WorkerLaunch& launch) {
  ASSIGN_OR_RETURN(auto worker, Launch(launch));
  RETURN_IF_ERROR(worker->WaitReady(launch.start_timeout));
  return worker;
}

StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Launch(
    const WorkerLaunch& launch) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return InternalError(std::string("socketpair: ") + std::strerror(errno));
  }
  // The child's end becomes its fd 3; from a number above 3, so that dup2
  // really copies it (and so drops close-on-exec).
  const int child_end = fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
  close(fds[1]);
  std::vector<std::string> args = {
      launch.binary, "--fd=3", "--parent-pid=" + std::to_string(getpid()),
      "--max-image-pixels=" + std::to_string(launch.max_page_pixels)};
  args.insert(args.end(), launch.args.begin(), launch.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_end, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The server blocks SIGTERM/SIGINT for sigwait: the worker must not
  // inherit that. Its own process group keeps a terminal's Ctrl-C away from
  // it: the server drains first, then its workers go with it.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  // Nothing of the server's environment (configuration, keys, tokens) but
  // what the engine reads: libgomp's thread limit (see main.cc), the
  // tessdata folder's default.
  const ChildEnvironment env(
      {"OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "TESSDATA_PREFIX"});
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, launch.binary.c_str(), &actions, &attr,
                             argv.data(), env.envp());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(child_end);
  if (rc != 0) {
    close(fds[0]);
    return InternalError("cannot start the engine worker " + launch.binary +
                         ": " + std::strerror(rc));
  }
  return std::unique_ptr<WorkerProcess>(
      new WorkerProcess(pid, fds[0], launch.max_page_pixels));
}

Status WorkerProcess::WaitReady(std::chrono::milliseconds timeout) {
  FrameType type;
  std::string payload;
  if (!WaitReadable(fd_, Clock::now() + timeout)) {
    Kill();
    return InternalError("the engine worker did not start within " +
                         std::to_string(timeout.count()) + " ms");
  }
  if (!ReadFrame(fd_, 0, &type, &payload).ok() || type != FrameType::kReady) {
    bool external = false;
    return InternalError("the engine worker failed to start: it " +
                         Reap(&external));
  }
  return OkStatus();
}

WorkerProcess::~WorkerProcess() {
  if (!reaped_) Kill();
  if (fd_ >= 0) close(fd_);
}

WorkerProcess::RunResult WorkerProcess::Run(const WorkUnit& unit,
                                            Clock::time_point kill_at) {
  RunResult out;
  int64_t budget_ms = 0;
  if (unit.deadline != Clock::time_point::max()) {
    budget_ms = std::max<int64_t>(1, std::chrono::duration_cast<milliseconds>(
                                         unit.deadline - Clock::now())
                                         .count());
  }
  const std::string head =
      EncodeRecognizeHead({.kind = unit.kind,
                           .page = unit.page,
                           .pages = unit.pages,
                           .options = unit.options,
                           .budget_ms = budget_ms,
                           .image = {}},
                          static_cast<uint32_t>(unit.image.size()));
  if (!SendFrame(fd_, FrameType::kRecognize, {head, unit.image})) {
    return out;  // it died: the caller reaps it
  }
  bool cancel_sent = false;
  for (;;) {
    const auto tick = std::min(kill_at, Clock::now() + milliseconds(50));
    if (WaitReadable(fd_, tick)) break;
    if (Clock::now() >= kill_at) {
      out.outcome = Outcome::kTimedOut;
      return out;
    }
    if (!cancel_sent && unit.cancelled != nullptr && unit.cancelled->load()) {
      cancel_sent = true;
      if (!SendFrame(fd_, FrameType::kCancel, {})) return out;
    }
  }
  // The answer: no larger than the unit can produce, whole by `kill_at`.
  const uint32_t max_bytes = MaxResultBytes(unit.kind, unit.pages.size(),
                                            unit.options, max_page_pixels_);
  FrameType type;
  std::string payload;
  const Status read = ReadFrame(fd_, max_bytes, &type, &payload, kill_at);
  if (read.code() == StatusCode::kUnavailable) return out;  // it died
  if (read.code() == StatusCode::kDeadlineExceeded) {
    out.outcome = Outcome::kTimedOut;
    return out;
  }
  out.outcome = Outcome::kMisbehaved;
  if (!read.ok()) {
    out.misbehaviour = read.message() + " (at most " +
                       std::to_string(max_bytes) + " for this request)";
    return out;
  }
  if (type != FrameType::kResult) {
    out.misbehaviour = "a frame of type " +
                       std::to_string(static_cast<uint32_t>(type)) +
                       " instead of a result";
    return out;
  }
  StatusOr<ResultMessage> message = DecodeResult(payload);
  if (!message.ok()) {
    out.misbehaviour = message.status().message();
    return out;
  }
  out.outcome = Outcome::kAnswered;
  if (message->status.ok()) {
    out.result = std::move(message->result);
  } else {
    out.result = message->status;
  }
  return out;
}

int WorkerProcess::WaitExit(milliseconds patience) {
  int status = 0;
  const auto until = Clock::now() + patience;
  for (;;) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (Clock::now() >= until) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  reaped_ = true;
  return status;
}

std::string WorkerProcess::Reap(bool* external) {
  const int status = WaitExit(milliseconds(2000));
  *external = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  return DescribeExit(status);
}

void WorkerProcess::Kill() {
  if (reaped_) return;
  kill(pid_, SIGKILL);
  WaitExit(milliseconds(5000));
}

void WorkerProcess::Retire() {
  if (reaped_) return;
  shutdown(fd_, SHUT_RDWR);
  WaitExit(milliseconds(1000));
}

int64_t WorkerProcess::RssBytes() const {
  std::ifstream statm("/proc/" + std::to_string(pid_) + "/statm");
  int64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

double WorkerProcess::CpuSeconds() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  // Fields after the command name (which may hold spaces) in parentheses:
  // utime and stime are the 12th and 13th after it.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i) {
    if (i == 12) utime = std::atoll(field.c_str());
    if (i == 13) stime = std::atoll(field.c_str());
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace ocr::worker
