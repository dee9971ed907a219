// ocr-gateway: multipart uploads in, KServe V2 requests to the model service.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "common/logging.h"
#include "gateway/gateway.h"

int main(int argc, char** argv) {
  ocr::GatewayOptions options;
  ocr::FlagSet flags("ocr-gateway",
                     "OCR gateway: POST /gateway/ocr takes a multipart upload "
                     "(field image_file) and asks the model service.");
  options.RegisterFlags(flags);
  bool help = false;
  ocr::Status status = flags.Parse(argc, argv, &help);
  if (help) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (status.ok()) status = options.Validate();
  if (!status.ok()) {
    std::fprintf(stderr, "ocr-gateway: %s\n", status.message().c_str());
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ocr::Gateway gateway(options);
  status = gateway.Start();
  if (!status.ok()) {
    LOG_ERROR("start-up failed", {{"error", status.message()}});
    return 1;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LOG_INFO("signal received", {{"signal", signal_number}});
  if (!gateway.Shutdown()) std::_Exit(0);
  return 0;
}
