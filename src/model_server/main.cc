// ocr-model-server: a KServe-compatible (V1 and V2 REST) Tesseract service.
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "common/service_main.h"
#include "model_server/core/lsan_suppressions.h"
#include "model_server/model_server.h"

namespace {

// Debian's libtesseract runs its LSTM code on 4 OpenMP threads. With N
// engines on N cores that oversubscribes the CPUs several times over, and
// libgomp reads OMP_THREAD_LIMIT only when it loads, before main. So unless
// the environment already chose a limit, re-execute once with the limit set.
// The binary is re-executed by its real path, with argv[0] kept as it was:
// exec'ing /proc/self/exe itself would name the process "exe" in ps, top,
// ss -p and pgrep.
void EnsureOpenMpThreadLimit(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr) return;
  setenv("OMP_THREAD_LIMIT", "1", 1);
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n > 0) {
    path[n] = '\0';
    execv(path, argv);
  }
  // The binary was replaced or deleted since it started: its old image.
  execv("/proc/self/exe", argv);
  // exec failed (no /proc?): run on, with the library's own threading.
}

}  // namespace

int main(int argc, char** argv) {
  EnsureOpenMpThreadLimit(argv);
  return ocr::ServiceMain<ocr::ModelServer, ocr::ModelServerOptions>(
      argc, argv, "ocr-model-server",
      "KServe-compatible OCR model service: V1 and V2 REST protocols over a "
      "pool of warm Tesseract engines.");
}
