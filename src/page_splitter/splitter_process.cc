// The parent's side of the splitter (splitter_process.h): spawn, read,
// time out, reap.
#include "page_splitter/splitter_process.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "common/child_process.h"
#include "page_splitter/page_frames.h"

namespace ocr::page_split {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kCannotSplit = "the document could not be split: ";

Status CannotSplit(std::string_view code_why, StatusCode code) {
  return Status(code, std::string(kCannotSplit) + std::string(code_why));
}

std::string Errno() { return std::strerror(errno); }

// "was killed by signal 11 (SIGSEGV)", "exited with code 3"; and when
// RLIMIT_CPU ended it (SIGXCPU at the soft limit, SIGKILL at the hard one,
// which the sandbox sets equal), that it used up its CPU time.
std::string Describe(int status, double cpu_seconds,
                     const SplitOptions& options) {
  std::string out = DescribeExit(status);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if ((sig == SIGXCPU || sig == SIGKILL) && options.cpu_seconds > 0 &&
        cpu_seconds >= 0.8 * options.cpu_seconds) {
      out += ": it used up its CPU time (" +
             std::to_string(options.cpu_seconds) + " s)";
    }
  }
  return out;
}

// The child process; killed and reaped at the latest when this goes.
class Child {
 public:
  Child(pid_t pid, int out) : pid_(pid), out_(out) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    Kill();
    close(out_);
  }
  int out() const { return out_; }
  // CPU time it used, once reaped.
  double cpu_seconds() const {
    const auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) +
             1e-6 * static_cast<double>(t.tv_usec);
    };
    return seconds(usage_.ru_utime) + seconds(usage_.ru_stime);
  }

  void Kill() {
    if (reaped_) return;
    kill(pid_, SIGKILL);
    Wait(0);
  }
  // Waits up to `patience` for it to end, then kills it; its wait status.
  int Reap(milliseconds patience) {
    const auto until = Clock::now() + patience;
    while (!reaped_) {
      const pid_t r = wait4(pid_, &status_, WNOHANG, &usage_);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        reaped_ = true;
        break;
      }
      if (Clock::now() >= until) {
        Kill();
        break;
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    return status_;
  }

 private:
  void Wait(int flags) {
    while (wait4(pid_, &status_, flags, &usage_) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }

  pid_t pid_;
  int out_;
  int status_ = 0;
  rusage usage_{};
  bool reaped_ = false;
};

StatusOr<std::unique_ptr<Child>> Spawn(const std::string& path,
                                       const SplitOptions& options) {
  // Descriptors above 2, so that dup2 onto 0 and 1 really copies them (and
  // drops close-on-exec).
  const int opened = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (opened < 0) {
    return CannotSplit("cannot open " + path + ": " + Errno(),
                       StatusCode::kInternal);
  }
  const int in = fcntl(opened, F_DUPFD_CLOEXEC, 3);
  close(opened);
  int pipe_fds[2];
  if (in < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0) {
    const std::string why = Errno();
    if (in >= 0) close(in);
    return CannotSplit("cannot make a pipe: " + why, StatusCode::kInternal);
  }
  const int child_out = fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 3);
  close(pipe_fds[1]);

  std::vector<std::string> args = {
      options.binary,
      "--media-type=" + options.media_type,
      "--pages=" + options.pages_spec,
      "--max-pages=" + std::to_string(options.max_pages),
      "--max-page-bytes=" + std::to_string(options.max_page_bytes),
      "--memory-bytes=" + std::to_string(options.memory_bytes),
      "--cpu-seconds=" + std::to_string(options.cpu_seconds),
      "--parent-pid=" + std::to_string(getpid())};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Nothing of the gateway's environment (its keys) but the sanitizers'
  // settings (test builds).
  const ChildEnvironment env({});

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, child_out, 1);
  if (options.stderr_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, options.stderr_fd, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Signals as a fresh program has them (the gateway blocks some for
  // sigwait); its own process group, away from a terminal's Ctrl-C.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP, SIGXCPU}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, options.binary.c_str(), &actions, &attr,
                             argv.data(), env.envp());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in);
  close(child_out);
  if (rc != 0) {
    close(pipe_fds[0]);
    return CannotSplit("cannot start the splitter " + options.binary + ": " +
                           std::strerror(rc),
                       StatusCode::kInternal);
  }
  return std::make_unique<Child>(pid, pipe_fds[0]);
}

}  // namespace

StatusOr<int> SplitDocument(const std::string& path,
                            const SplitOptions& options,
                            const std::function<Status(SplitPage)>& on_page,
                            int* document_pages) {
  ASSIGN_OR_RETURN(std::unique_ptr<Child> child, Spawn(path, options));
  FrameReader reader(static_cast<uint64_t>(options.max_page_bytes));
  Clock::time_point deadline = Clock::now() + options.timeout;
  std::optional<EndRecord> end;
  int emitted = 0;
  int last_page = 0;
  std::string chunk(size_t{1} << 16, '\0');
  while (!end) {
    if (!WaitReadable(child->out(), deadline)) {
      child->Kill();
      return CannotSplit("the splitter ran past its time limit of " +
                             std::to_string(options.timeout.count()) +
                             " ms and was killed",
                         StatusCode::kDeadlineExceeded);
    }
    const ssize_t n = read(child->out(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // it closed its output: it ended
    reader.Append(std::string_view(chunk.data(), static_cast<size_t>(n)));
    for (;;) {
      StatusOr<std::optional<Record>> next = reader.Next();
      if (!next.ok()) {
        child->Kill();
        return CannotSplit(next.status().message(), StatusCode::kInternal);
      }
      if (!next->has_value()) break;
      if (auto* record = std::get_if<EndRecord>(&**next)) {
        end = std::move(*record);
        break;
      }
      auto& page = std::get<PageRecord>(**next);
      if (page.page <= last_page || page.media_type != options.media_type) {
        child->Kill();
        return CannotSplit("the splitter's output is garbled: page " +
                               std::to_string(page.page) + " of type " +
                               page.media_type + " after page " +
                               std::to_string(last_page),
                           StatusCode::kInternal);
      }
      last_page = page.page;
      const auto before = Clock::now();
      Status taken = on_page(SplitPage{page.page, std::move(page.media_type),
                                       std::move(page.bytes)});
      deadline += Clock::now() - before;
      if (!taken.ok()) return taken;  // ~Child kills it
      ++emitted;
    }
  }
  const int status = child->Reap(milliseconds(2000));
  if (!end) {
    return CannotSplit("the splitter " +
                           Describe(status, child->cpu_seconds(), options) +
                           (reader.partial() ? " in the middle of a record"
                                             : " before it finished"),
                       StatusCode::kInternal);
  }
  if (document_pages != nullptr && end->page_count > 0) {
    *document_pages = end->page_count;
  }
  if (!end->status.ok()) return end->status;
  return emitted;
}

std::string SplitterBinaryNextToSelf() {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  const std::string path =
      n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string();
  return (std::filesystem::path(path).parent_path() / "ocr-page-splitter")
      .string();
}

}  // namespace ocr::page_split
