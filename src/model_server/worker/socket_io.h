// Blocking whole-buffer reads and writes on a socket, retried on EINTR.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model_server/worker/worker_protocol.h"

namespace ocr::worker {

// False when the peer closed or the socket failed.
bool WriteAll(int fd, std::string_view data);
bool ReadExact(int fd, char* data, size_t size);

// Sends one frame: header, then the parts of its payload in order.
bool SendFrame(int fd, FrameType type,
               std::initializer_list<std::string_view> parts);
// Reads one frame whose payload is at most `max_length`; kUnavailable when
// the peer closed, kInvalidArgument when the frame is malformed.
Status ReadFrame(int fd, uint32_t max_length, FrameType* type,
                 std::string* payload);

}  // namespace ocr::worker
