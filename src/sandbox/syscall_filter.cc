// The system-call filter of sandbox.h (libseccomp): everything is refused
// but a list of what a recognition or a split calls once it runs.
//
// The list was found by tracing (strace -f, every call after the filter's
// place) the engine worker through the test suite's recognitions (every
// image format, multi-page TIFF and PDF, every output format including the
// searchable PDF, lang=auto, OSD, rotation, deskew, rescaling, the PDF's
// own text layer, fonts a PDF does not embed, OpenMP threads) and the page
// splitter through its PDF and TIFF splits. Anything else fails with ENOSYS,
// as if the kernel had no such call (glibc falls back where it can; no
// kernel check answers ENOSYS, so tests can tell the filter's refusal from
// the kernel's); opening files fails with EACCES, as a denied open would.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>

#include "sandbox/sandbox.h"

namespace ocr::sandbox {
namespace {

// Allowed whatever their arguments. Names, not numbers: libseccomp resolves
// them for the architecture it runs on (x86_64, aarch64); a name the
// architecture does not have (open, fork on aarch64) is skipped.
constexpr const char* kAllowed[] = {
    // Memory: glibc's malloc (mremap: realloc of a large block), thread
    // stacks.
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
    // Threads (OpenMP's, the worker's reader): their start (clone with
    // CLONE_THREAD, below), locks, exit.
    "futex", "set_robust_list", "rseq", "gettid", "exit", "exit_group",
    // Signals of its own (abort() raises SIGABRT with tgkill, below; a
    // handler returns with rt_sigreturn). getppid: the parent's pid, which
    // its arguments hold anyway.
    "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "getpid", "getppid",
    // Time (clock_gettime outside the vDSO; sleeps).
    "clock_gettime", "clock_nanosleep",
    // The descriptors it holds: the socket to the server (worker), standard
    // input and output (splitter), standard error (logs), the font files
    // Landlock lets it open (worker).
    "read", "pread64", "write", "lseek", "close", "newfstatat", "sendto",
    "shutdown",
    // Font folders: fontconfig lists them (Landlock decides which can be
    // opened).
    "getdents64"};

// What AddressSanitizer and UndefinedBehaviorSanitizer call on top (test
// builds: the suite also runs under them): an alternate signal stack per
// thread; a pipe to test whether memory is readable (UBSan's vptr check,
// when a thread starts); the executable's path and isatty(2) for a report.
#if defined(__SANITIZE_ADDRESS__)
#define OCR_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OCR_SANITIZED 1
#endif
#endif
#if defined(OCR_SANITIZED)
constexpr const char* kSanitizerAllowed[] = {"sigaltstack", "pipe2",
                                             "readlink"};
#endif

class Filter {
 public:
  Filter() : ctx_(seccomp_init(SCMP_ACT_ERRNO(ENOSYS))) {}
  bool ok() const { return ctx_ != nullptr && rc_ == 0; }
  int error() const { return rc_; }

  // Adds a rule for `name` unless the architecture has no such call.
  void Add(uint32_t action, const char* name,
           std::initializer_list<scmp_arg_cmp> conditions = {}) {
    if (!ctx_ || rc_ != 0) return;
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr < 0) return;  // unknown here, or not a call of this architecture
    rc_ = seccomp_rule_add_array(ctx_.get(), action, nr,
                                 static_cast<unsigned>(conditions.size()),
                                 conditions.begin());
    if (rc_ != 0) failed_ = name;
  }
  Status Load() {
    if (!ctx_) return InternalError("seccomp_init failed");
    if (rc_ != 0) {
      return InternalError("seccomp rule for " + failed_ + ": " +
                           std::strerror(-rc_));
    }
    // Every thread of the process, not only the calling one.
    rc_ = seccomp_attr_set(ctx_.get(), SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc_ == 0) rc_ = seccomp_load(ctx_.get());
    if (rc_ != 0) {
      return InternalError(std::string("seccomp_load: ") + std::strerror(-rc_));
    }
    return OkStatus();
  }

 private:
  struct Release {
    void operator()(void* ctx) const { seccomp_release(ctx); }
  };
  std::unique_ptr<void, Release> ctx_;
  int rc_ = 0;
  std::string failed_;
};

}  // namespace

Status InstallSyscallFilter(bool read_only_open) {
  Filter filter;
  for (const char* name : kAllowed) filter.Add(SCMP_ACT_ALLOW, name);
#if defined(OCR_SANITIZED)
  for (const char* name : kSanitizerAllowed) filter.Add(SCMP_ACT_ALLOW, name);
  filter.Add(SCMP_ACT_ALLOW, "ioctl", {SCMP_A1(SCMP_CMP_EQ, TCGETS)});
#endif

  // Files: with read_only_open, opening for reading (Landlock decides
  // which files); nothing else, ever.
  const uint32_t denied_open = SCMP_ACT_ERRNO(EACCES);
  if (read_only_open) {
    constexpr scmp_datum_t kTmpFile = O_TMPFILE & ~O_DIRECTORY;
    constexpr scmp_datum_t kWrites =
        O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | kTmpFile;
    filter.Add(SCMP_ACT_ALLOW, "openat",
               {SCMP_A2(SCMP_CMP_MASKED_EQ, kWrites, 0)});
    for (const scmp_datum_t flag :
         {scmp_datum_t{O_CREAT}, scmp_datum_t{O_TRUNC}, scmp_datum_t{O_APPEND},
          kTmpFile}) {
      filter.Add(denied_open, "openat",
                 {SCMP_A2(SCMP_CMP_MASKED_EQ, flag, flag)});
    }
    for (const scmp_datum_t mode : {1, 2, 3}) {  // O_WRONLY, O_RDWR, 3
      filter.Add(denied_open, "openat",
                 {SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, mode)});
    }
  } else {
    filter.Add(denied_open, "openat");
  }
  for (const char* name : {"open", "creat", "openat2", "open_by_handle_at"}) {
    filter.Add(denied_open, name);
  }

  // Threads, not processes: clone only with CLONE_THREAD (which implies a
  // shared address space). glibc tries clone3 first; it is refused (ENOSYS,
  // the default), so glibc uses clone.
  filter.Add(SCMP_ACT_ALLOW, "clone",
             {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)});

  // Descriptor flags (close-on-exec) and copies (qpdf duplicates its
  // input); not F_SETFL or F_SETOWN, with which I/O on a descriptor would
  // send SIGIO to another process.
  for (const scmp_datum_t command :
       {F_GETFD, F_SETFD, F_GETFL, F_DUPFD_CLOEXEC}) {
    filter.Add(SCMP_ACT_ALLOW, "fcntl", {SCMP_A1(SCMP_CMP_EQ, command)});
  }

  // Signals to itself only (abort() raises SIGABRT with tgkill). tkill,
  // rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open and pidfd_send_signal
  // are refused: nothing here needs them.
  const auto self = static_cast<scmp_datum_t>(getpid());
  filter.Add(SCMP_ACT_ALLOW, "kill", {SCMP_A0(SCMP_CMP_EQ, self)});
  filter.Add(SCMP_ACT_ALLOW, "tgkill", {SCMP_A0(SCMP_CMP_EQ, self)});

  return filter.Load();
}

}  // namespace ocr::sandbox
