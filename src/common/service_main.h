// The main() of a service: flags with --help, validation, start, wait for
// SIGTERM or SIGINT, graceful shutdown, exit code.
//
//   int main(int argc, char** argv) {
//     return ocr::ServiceMain<Gateway, GatewayOptions>(argc, argv,
//     "ocr-gateway",
//                                                      "What it does.");
//   }
//
// Options: RegisterFlags(FlagSet&), Validate() -> Status.
// Service: explicit Service(Options), Start() -> Status, Shutdown() -> bool.
#pragma once

#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "common/logging.h"
#include "common/options.h"
#include "common/system_info.h"

namespace ocr {

template <typename Service, typename Options>
int ServiceMain(int argc, char** argv, const char* program,
                const char* summary) {
  Options options;
  FlagSet flags(program, summary);
  options.RegisterFlags(flags);
  bool help = false;
  Status status = flags.Parse(argc, argv, &help);
  if (help) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (status.ok()) status = options.Validate();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", program, status.message().c_str());
    return 2;
  }

  ReturnLargeBlocksToSystem();
  // Blocked before any thread starts, so only sigwait below takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Service service(options);
  status = service.Start();
  if (!status.ok()) {
    LOG_ERROR("start-up failed", {{"error", status.message()}});
    return 1;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LOG_INFO("signal received", {{"signal", signal_number}});
  if (!service.Shutdown()) {
    // Work the grace period did not cover is abandoned, not waited for.
    std::_Exit(0);
  }
  LOG_INFO("stopped", {});
  return 0;
}

}  // namespace ocr
