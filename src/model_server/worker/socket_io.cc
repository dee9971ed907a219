#include "model_server/worker/socket_io.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/child_process.h"

namespace ocr::worker {

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a peer that died is an error to handle, not SIGPIPE.
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool ReadExact(int fd, char* data, size_t size,
               std::chrono::steady_clock::time_point until, bool* timed_out) {
  while (size > 0) {
    if (until != std::chrono::steady_clock::time_point::max() &&
        !WaitReadable(fd, until)) {
      if (timed_out != nullptr) *timed_out = true;
      return false;
    }
    const ssize_t n = read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool SendFrame(int fd, FrameType type,
               std::initializer_list<std::string_view> parts) {
  size_t length = 0;
  for (auto part : parts) length += part.size();
  if (length > kMaxFrameBytes) return false;
  if (!WriteAll(fd, FrameHeader(type, static_cast<uint32_t>(length)))) {
    return false;
  }
  for (auto part : parts) {
    if (!WriteAll(fd, part)) return false;
  }
  return true;
}

Status ReadFrame(int fd, uint32_t max_length, FrameType* type,
                 std::string* payload,
                 std::chrono::steady_clock::time_point until) {
  char header[kFrameHeaderBytes];
  bool timed_out = false;
  if (!ReadExact(fd, header, sizeof header, until, &timed_out)) {
    if (timed_out) return DeadlineExceededError("no whole frame in time");
    return UnavailableError("the peer closed the connection");
  }
  uint32_t length = 0;
  RETURN_IF_ERROR(ParseFrameHeader(std::string_view(header, sizeof header),
                                   max_length, type, &length));
  payload->resize(length);
  if (!ReadExact(fd, payload->data(), length, until, &timed_out)) {
    if (timed_out) return DeadlineExceededError("no whole frame in time");
    return UnavailableError("the peer closed the connection mid-frame");
  }
  return OkStatus();
}

}  // namespace ocr::worker
