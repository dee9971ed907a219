// Blocking whole-buffer reads and writes on a socket, retried on EINTR.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model_server/worker/worker_protocol.h"

namespace ocr::worker {

// False when the peer closed or the socket failed.
bool WriteAll(int fd, std::string_view data);
// With `until`: false also when it passes first (*timed_out is then set).
bool ReadExact(int fd, char* data, size_t size,
               std::chrono::steady_clock::time_point until =
                   std::chrono::steady_clock::time_point::max(),
               bool* timed_out = nullptr);

// Sends one frame: header, then the parts of its payload in order.
bool SendFrame(int fd, FrameType type,
               std::initializer_list<std::string_view> parts);
// Reads one frame whose payload is at most `max_length` (refused from its
// header, before anything is allocated); kUnavailable when the peer closed,
// kInvalidArgument when the frame is malformed or too long,
// kDeadlineExceeded when `until` passed before the whole frame came.
Status ReadFrame(int fd, uint32_t max_length, FrameType* type,
                 std::string* payload,
                 std::chrono::steady_clock::time_point until =
                     std::chrono::steady_clock::time_point::max());

}  // namespace ocr::worker
