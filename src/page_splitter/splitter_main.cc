// ocr-page-splitter: splits one document (PDF or TIFF) into one-page files,
// in a process of its own started by the gateway (splitter_process.h). The
// document is its standard input (a file the gateway opened); the pages and
// the outcome go out on its standard output as records (page_frames.h).
// Before it reads a byte of the document it drops privileges, limits its
// memory and CPU time and installs the system-call filter (sandbox.h): no
// file can be opened, no socket made, no program started. A document that
// takes over the parser finds nothing to read and nobody to talk to; one
// that crashes or hangs it costs this process only.
//
// Not meant to be started by hand: the gateway passes every setting.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <cerrno>
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "common/options.h"
#include "page_splitter/faults.h"
#include "page_splitter/page_frames.h"
#include "page_splitter/page_split.h"
#include "sandbox/sandbox.h"

namespace ocr::page_split {
namespace {

struct SplitterFlags {
  std::string media_type;
  std::string pages;
  int max_pages = 10000;
  int64_t max_page_bytes = int64_t{64} << 20;
  int64_t memory_bytes = int64_t{1} << 30;
  int cpu_seconds = 300;
  int64_t parent_pid = 0;
  std::string fault;  // ocr-page-splitter-faults only (faults.h)
};

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A one-page PDF with a valid cross-reference table.
std::string TinyPdf() {
  const std::vector<std::string> objects = {
      "<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
      "<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> at;
  for (size_t i = 0; i < objects.size(); ++i) {
    at.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) +
         "\n0000000000 65535 f \n";
  for (size_t offset : at) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<</Size " + std::to_string(objects.size() + 1) +
         "/Root 1 0 R>>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// Splits a tiny PDF while files can still be opened: whatever qpdf and its
// crypto library load on first use (MD5 makes the file ID) is then loaded.
Status Warm() {
  const int fd = memfd_create("warm.pdf", MFD_CLOEXEC);
  if (fd < 0) return InternalError("memfd_create failed");
  Status status = WriteAll(fd, TinyPdf())
                      ? OkStatus()
                      : InternalError("cannot write the warm-up PDF");
  if (status.ok()) {
    auto document = OpenDocument(fd, kPdfMediaType);
    status = document.ok() ? (*document)->Page(0, 1 << 20).status()
                           : document.status();
  }
  close(fd);
  return status.WithPrefix("warm-up");
}

Status Sandbox(const SplitterFlags& f) {
  RETURN_IF_ERROR(sandbox::DropPrivileges());
  // The gateway may have died between the spawn and PR_SET_PDEATHSIG.
  if (f.parent_pid != 0 && getppid() != f.parent_pid) {
    return InternalError("the gateway is gone");
  }
  RETURN_IF_ERROR(Warm());
  sandbox::ResourceLimits limits;
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of shadow memory.
  limits.address_space_bytes = f.memory_bytes;
#endif
  limits.cpu_seconds = f.cpu_seconds;
  limits.open_files = 16;
  RETURN_IF_ERROR(sandbox::ApplyResourceLimits(limits));
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's check at exit needs what the filter forbids.
  __lsan_do_leak_check();
#endif
  return sandbox::InstallSyscallFilter();
}

int Main(int argc, char** argv) {
  // Nothing but the standard streams is inherited. The records go to a
  // private copy of standard output, which then points at standard error:
  // whatever a library prints cannot corrupt the records.
  close_range(3, ~0u, 0);
  const int out = fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (out < 0 || dup2(2, 1) < 0) return 1;
  const auto finish = [out](const Status& status, int page_count) {
    return WriteAll(out, EncodeEnd(status, page_count)) ? 0 : 1;
  };

  SplitterFlags f;
  FlagSet flags("ocr-page-splitter",
                "Splits a document on stdin into pages; started by the "
                "gateway.");
  flags.AddString("media-type", "", "application/pdf or image/tiff",
                  &f.media_type);
  flags.AddString("pages", "", "page selection, as the model's", &f.pages);
  flags.AddInt("max-pages", "", "selected pages allowed", &f.max_pages);
  flags.AddBytes("max-page-bytes", "", "one page's file", &f.max_page_bytes);
  flags.AddBytes("memory-bytes", "", "RLIMIT_AS", &f.memory_bytes);
  flags.AddInt("cpu-seconds", "", "RLIMIT_CPU", &f.cpu_seconds);
  flags.AddInt("parent-pid", "", "the gateway's pid", &f.parent_pid);
  flags.AddString("fault", "", "test builds: a fault (faults.h)", &f.fault);
  bool help = false;
  if (Status s = flags.Parse(argc, argv, &help); !s.ok() || help) {
    std::fprintf(stderr, "%s\n",
                 help ? flags.Help().c_str() : s.message().c_str());
    if (help) return 0;
    finish(s, 0);
    return 2;
  }
  if (Status s = Sandbox(f); !s.ok()) {
    finish(InternalError("the splitter's sandbox: " + s.message()), 0);
    return 1;
  }

  int page_count = 0;
  Status status = OkStatus();
  try {
    SplitLimits limits;
    limits.max_pages = f.max_pages;
    limits.max_page_bytes = f.max_page_bytes;
    status = InjectFault(f.fault, FaultStage::kStart, out);
    int written = 0;
    const PageSink sink = [&](int page, std::string_view media_type,
                              std::string bytes) -> Status {
      if (!WriteAll(out, EncodePageHead(page, media_type, bytes.size())) ||
          !WriteAll(out, bytes)) {
        return InternalError("cannot write a page to the gateway");
      }
      if (++written == 1) {
        return InjectFault(f.fault, FaultStage::kFirstPage, out);
      }
      return OkStatus();
    };
    if (status.ok()) {
      status = SplitFile(0, f.media_type, f.pages, limits, sink, &page_count)
                   .status();
    }
  } catch (const std::bad_alloc&) {
    status = PayloadTooLargeError(
        "splitting the document needs more memory than the splitter may use "
        "(" +
        std::to_string(f.memory_bytes >> 20) + " MiB)");
  } catch (const std::exception& e) {
    status = InternalError(std::string("the splitter failed: ") + e.what());
  }
  return finish(status, page_count);
}

}  // namespace
}  // namespace ocr::page_split

int main(int argc, char** argv) { return ocr::page_split::Main(argc, argv); }
