#include "model_server/worker/worker_loop.h"

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "model_server/worker/socket_io.h"
#include "model_server/worker/worker_protocol.h"

namespace ocr::worker {
namespace {

// What the reader thread hands the main thread.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::string> unit;  // a kRecognize payload
  bool closed = false;
  std::atomic<bool> cancel{false};
};

void ReadFrames(int fd, Inbox& inbox) {
  for (;;) {
    FrameType type;
    std::string payload;
    Status s = ReadFrame(fd, kMaxFrameBytes, &type, &payload);
    std::lock_guard lock(inbox.mu);
    if (!s.ok() ||
        (type != FrameType::kRecognize && type != FrameType::kCancel)) {
      inbox.closed = true;
      inbox.cv.notify_one();
      return;
    }
    if (type == FrameType::kCancel) {
      inbox.cancel = true;
      continue;
    }
    inbox.cancel = false;  // a new unit: earlier cancels are spent
    inbox.unit = std::move(payload);
    inbox.cv.notify_one();
  }
}

StatusOr<OcrResult> Recognize(EngineSet& engines,
                              const RecognizeMessage& message,
                              const std::atomic<bool>& cancel) {
  RecognizeControl control;
  if (message.budget_ms > 0) {
    control.deadline =
        Clock::now() + std::chrono::milliseconds(message.budget_ms);
  }
  control.cancelled = &cancel;
  try {
    StatusOr<OcrResult> result = InternalError("no result");
    if (InjectFault(message.image, &result)) return result;
    return engines.Run(message.image, message.kind, message.page, message.pages,
                       message.options, control);
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory while recognising this image");
  } catch (const std::exception& e) {
    return InternalError(std::string("recognition failed: ") + e.what());
  }
}

// The kResult payload for a kRecognize payload.
std::string Answer(EngineSet& engines, const std::string& payload,
                   const std::atomic<bool>& cancel, int64_t max_page_pixels) {
  StatusOr<RecognizeMessage> message = DecodeRecognize(payload);
  if (!message.ok()) return EncodeResult(message.status(), OcrResult{});
  StatusOr<OcrResult> result = Recognize(engines, *message, cancel);
  if (!result.ok()) return EncodeResult(result.status(), OcrResult{});
  std::string reply = EncodeResult(OkStatus(), *result);
  const uint32_t max_bytes = MaxResultBytes(
      message->kind, message->pages.size(), message->options, max_page_pixels);
  if (reply.size() > max_bytes) {
    // The server would refuse it as a worker's misbehaviour.
    return EncodeResult(PayloadTooLargeError(
                            "the result of this input would be " +
                            std::to_string(reply.size()) + " bytes, over the " +
                            std::to_string(max_bytes) + " an answer may have"),
                        OcrResult{});
  }
  return reply;
}

}  // namespace

int ServeUnits(int fd, EngineSet& engines, int64_t max_page_pixels) {
  Inbox inbox;
  if (!SendFrame(fd, FrameType::kReady, {})) return 1;
  std::thread reader([fd, &inbox] { ReadFrames(fd, inbox); });
  int exit_code = 0;
  for (;;) {
    std::string payload;
    {
      std::unique_lock lock(inbox.mu);
      inbox.cv.wait(lock, [&] { return inbox.unit || inbox.closed; });
      if (!inbox.unit) break;  // the server closed the socket
      payload = std::move(*inbox.unit);
      inbox.unit.reset();
    }
    const std::string reply =
        Answer(engines, payload, inbox.cancel, max_page_pixels);
    if (!SendFrame(fd, FrameType::kResult, {reply})) {
      exit_code = 1;
      break;
    }
  }
  shutdown(fd, SHUT_RDWR);  // wakes the reader
  reader.join();
  return exit_code;
}

}  // namespace ocr::worker
