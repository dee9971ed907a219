// ocr-engine-worker: one OCR engine in a process of its own, started and
// supervised by ocr-model-server (ProcessExecutor). It decodes and
// recognises the units the server sends over the socket on fd 3 and answers
// each; it holds no privilege it does not need (sandbox/sandbox.h). If it
// crashes, hangs or is killed, the server loses the one unit it held.
//
// Not meant to be started by hand: the server passes every setting.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "common/logging.h"
#include "common/options.h"
#include "common/system_info.h"
#include "model_server/core/lsan_suppressions.h"
#include "model_server/core/pdf_reader.h"
#include "model_server/core/tesseract_engine.h"
#include "model_server/core/thread_executor.h"
#include "model_server/worker/worker_loop.h"
#include "sandbox/sandbox.h"

namespace ocr::worker {
namespace {

// Every *.traineddata (and other tessdata file) mapped read-only before the
// sandbox forbids opening files; Tesseract reads them through ReadTessdata.
std::map<std::string, std::string_view>& Mapped() {
  static std::map<std::string, std::string_view> files;
  return files;
}

Status MapTessdata(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      void* data = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                        MAP_PRIVATE, fd, 0);
      if (data != MAP_FAILED) {
        Mapped()[entry.path().lexically_normal().string()] = {
            static_cast<const char*>(data), static_cast<size_t>(st.st_size)};
      }
    }
    close(fd);
  }
  if (ec) return InternalError("cannot list tessdata folder " + dir);
  return OkStatus();
}

bool ReadTessdata(const char* filename, std::vector<char>* data) {
  // Tesseract names files as <tessdata>/<lang>.traineddata, maybe with a
  // doubled slash: compare normal forms (no system call involved).
  const auto it = Mapped().find(
      std::filesystem::path(filename).lexically_normal().string());
  if (it == Mapped().end()) return false;
  data->assign(it->second.begin(), it->second.end());
  return true;
}

struct WorkerFlags {
  int fd = 3;
  int64_t parent_pid = 0;
  std::string tessdata;
  std::string languages = "eng";
  int max_languages = 4;
  int64_t max_image_pixels = 100'000'000;
  int max_image_side = 32767;
  int64_t address_space_bytes = 0;
  int64_t cpu_seconds = 0;
  bool sandbox = true;
  std::string log_level = "info";
};

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

int Main(int argc, char** argv) {
  WorkerFlags f;
  FlagSet flags("ocr-engine-worker",
                "One OCR engine, started and supervised by ocr-model-server.");
  flags.AddInt("fd", "", "socket to the server", &f.fd);
  flags.AddInt("parent-pid", "", "the server's pid", &f.parent_pid);
  flags.AddString("tessdata", "", "tessdata folder", &f.tessdata);
  flags.AddList("languages", "", "languages to preload", &f.languages);
  flags.AddInt("max-languages", "", "engines kept", &f.max_languages);
  flags.AddInt("max-image-pixels", "", "pixel limit", &f.max_image_pixels);
  flags.AddInt("max-image-side", "", "side limit", &f.max_image_side);
  flags.AddBytes("max-address-space", "", "RLIMIT_AS (0: none)",
                 &f.address_space_bytes);
  flags.AddInt("max-cpu-seconds", "", "RLIMIT_CPU (0: none)", &f.cpu_seconds);
  flags.AddBool("sandbox", "", "system-call filter", &f.sandbox);
  flags.AddString("log-level", "", "as the server's", &f.log_level);
  bool help = false;
  if (Status s = flags.Parse(argc, argv, &help); !s.ok() || help) {
    std::fprintf(stderr, "%s\n",
                 help ? flags.Help().c_str() : s.message().c_str());
    return 2;
  }
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(f.log_level, &level);
  SetLogLevel(level);
  if (Status s = sandbox::DropPrivileges(); !s.ok()) {
    LOG_ERROR("worker: cannot drop privileges", {{"error", s.message()}});
    return 1;
  }
  // The server may have died between fork and PR_SET_PDEATHSIG.
  if (f.parent_pid != 0 && getppid() != f.parent_pid) return 1;
  // Nothing but the standard streams and the socket is inherited.
  close_range(static_cast<unsigned>(f.fd) + 1, ~0u, 0);
  ReturnLargeBlocksToSystem();
  if (f.tessdata.empty()) f.tessdata = DefaultTessdataDir();
  if (Status s = MapTessdata(f.tessdata); !s.ok()) {
    LOG_ERROR("worker: tessdata", {{"error", s.message()}});
    return 1;
  }

  EngineSetOptions options;
  options.preload_languages = SplitComma(f.languages);
  options.installed_languages = InstalledLanguages(f.tessdata);
  options.max_languages = f.max_languages;
  options.limits.max_pixels = f.max_image_pixels;
  options.limits.max_side = f.max_image_side;
  EngineSet engines(options, TesseractEngineFactory(f.tessdata, &ReadTessdata));
  if (Status s = engines.Warm(); !s.ok()) {
    LOG_ERROR("worker: engines", {{"error", s.message()}});
    return 1;
  }

  // Before the filter: what poppler loads on first use.
  if (Status s = WarmPdfReader(); !s.ok()) {
    LOG_ERROR("worker: PDF reader", {{"error", s.message()}});
    return 1;
  }

  sandbox::ResourceLimits limits;
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of shadow memory.
  limits.address_space_bytes = f.address_space_bytes;
#endif
  limits.cpu_seconds = f.cpu_seconds;
  limits.open_files = f.fd + 8;
  Status s = sandbox::ApplyResourceLimits(limits);
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's check at exit reads /proc and stops the world with
  // ptrace: things the filter forbids. Check now, once, instead.
  if (f.sandbox) __lsan_do_leak_check();
#endif
  if (s.ok() && f.sandbox) {
    // A PDF's fonts that it names but does not embed come from the system's
    // font folders: with Landlock, reading them (and only them) stays
    // allowed; without it, no file can be opened and such text is not drawn.
    const Status fonts = sandbox::RestrictFilesToReading(
        {"/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/poppler",
         "/etc/fonts", "/var/cache/fontconfig"});
    if (!fonts.ok()) {
      LOG_DEBUG("worker: fonts that PDFs do not embed cannot be loaded",
                {{"reason", fonts.message()}});
    }
    s = sandbox::InstallSyscallFilter(/*read_only_open=*/fonts.ok());
  }
  if (!s.ok()) {
    LOG_ERROR("worker: sandbox", {{"error", s.message()}});
    return 1;
  }
  return ServeUnits(f.fd, engines, f.max_image_pixels);
}

}  // namespace
}  // namespace ocr::worker

int main(int argc, char** argv) { return ocr::worker::Main(argc, argv); }
