// Test builds only (ocr-engine-worker-faults): images that make the worker
// fail on demand, so tests can prove what a crash, a hang or a leak costs.
//   OCR-FAULT:abort | segv | exit | hang | oom
//   OCR-FAULT:sleep:<ms>     answers after <ms> ms (ignores cancel)
//   OCR-FAULT:hold:<MiB>     keeps <MiB> MiB resident, then answers
//   OCR-FAULT:open:<path>    tries to read <path>; answers what happened
//   OCR-FAULT:forbidden      tries each thing the sandbox forbids
//                            (sandbox/forbidden_calls.h); answers what each
//                            call did, one line each
//   OCR-FAULT:environ        answers its environment, one NAME=value a line
//   OCR-FAULT:huge:<MiB>     answers with a result frame of <MiB> MiB, as a
//                            worker taken over could (on fd 3, the socket
//                            the server gives it)
// Everything else is recognised as usual.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "model_server/worker/socket_io.h"
#include "model_server/worker/worker_loop.h"
#include "sandbox/forbidden_calls.h"

extern char** environ;

namespace ocr::worker {
namespace {

constexpr std::string_view kPrefix = "OCR-FAULT:";

OcrResult Text(std::string text) {
  OcrResult r;
  r.text = std::move(text);
  return r;
}

}  // namespace

bool InjectFault(std::string_view image, StatusOr<OcrResult>* result) {
  if (image.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string fault(image.substr(kPrefix.size()));
  const auto arg = [&](std::string_view name) -> std::string {
    return fault.substr(0, name.size()) == name ? fault.substr(name.size())
                                                : std::string();
  };
  if (fault == "abort") std::abort();
  if (fault == "segv") {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  }
  if (fault == "exit") std::_Exit(3);
  if (fault == "hang") {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (fault == "oom") {
    // Until the address-space limit says no: a bad_alloc, as a real
    // allocation failure inside Tesseract would throw.
    std::vector<std::vector<char>> blocks;
    for (;;) blocks.emplace_back(64 << 20, 'x');
  }
  if (std::string ms = arg("sleep:"); !ms.empty()) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::atoi(ms.c_str())));
    *result = Text("slept");
    return true;
  }
  if (std::string mib = arg("hold:"); !mib.empty()) {
    static std::vector<std::vector<char>> held;  // a leak, on purpose
    held.emplace_back(static_cast<size_t>(std::atoi(mib.c_str())) << 20, 'x');
    *result = Text("held");
    return true;
  }
  if (std::string path = arg("open:"); !path.empty()) {
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) {
      *result = Text(std::string("open failed: ") + std::strerror(errno));
      return true;
    }
    char buf[64];
    const ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    *result = Text("read " + std::to_string(n) + " bytes");
    return true;
  }
  if (fault == "forbidden") {
    *result =
        Text(sandbox::DescribeAttempts(sandbox::TryForbiddenCalls(getppid())));
    return true;
  }
  if (fault == "environ") {
    std::string text;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      text += std::string(*entry) + "\n";
    }
    *result = Text(std::move(text));
    return true;
  }
  if (std::string mib = arg("huge:"); !mib.empty()) {
    const std::string payload(static_cast<size_t>(std::atoi(mib.c_str())) << 20,
                              'x');
    SendFrame(3, FrameType::kResult, {payload});
    *result = Text("sent");
    return true;
  }
  *result = InvalidArgumentError("unknown fault '" + fault + "'");
  return true;
}

}  // namespace ocr::worker
