// ocr-model-server: a KServe-compatible (V1 and V2 REST) Tesseract service.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/logging.h"
#include "model_server/model_server.h"

namespace {

// Debian's libtesseract runs its LSTM code on 4 OpenMP threads. With N
// engines on N cores that oversubscribes the CPUs several times over, and
// libgomp reads OMP_THREAD_LIMIT only when it loads, before main. So unless
// the environment already chose a limit, re-execute once with the limit set.
void EnsureOpenMpThreadLimit(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr) return;
  setenv("OMP_THREAD_LIMIT", "1", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc?): run on, with the library's own threading.
}

}  // namespace

int main(int argc, char** argv) {
  EnsureOpenMpThreadLimit(argv);

  ocr::ModelServerOptions options;
  ocr::FlagSet flags("ocr-model-server",
                     "KServe-compatible OCR model service: V1 and V2 REST "
                     "protocols over a pool of warm Tesseract engines.");
  options.RegisterFlags(flags);
  bool help = false;
  ocr::Status status = flags.Parse(argc, argv, &help);
  if (help) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (status.ok()) status = options.Validate();
  if (!status.ok()) {
    std::fprintf(stderr, "ocr-model-server: %s\n", status.message().c_str());
    return 2;
  }

  // Signals are taken by sigwait below, never by another thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ocr::ModelServer server(options);
  status = server.Start();
  if (!status.ok()) {
    LOG_ERROR("start-up failed", {{"error", status.message()}});
    return 1;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LOG_INFO("signal received", {{"signal", signal_number}});
  const bool clean = server.Shutdown();
  if (!clean) std::_Exit(0);  // abandon what the grace period did not cover
  return 0;
}
