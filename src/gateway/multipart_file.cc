// ScanMultipartFile: the multipart parser (multipart.h) run over a file in
// fixed-size chunks, recording where each part's data lies instead of
// keeping it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "gateway/multipart.h"

namespace ocr {
namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status ReadError(const std::string& path, int error) {
  return InternalError("cannot read " + path + ": " + std::strerror(error));
}

}  // namespace

StatusOr<std::vector<MultipartFilePart>> ScanMultipartFile(
    const std::string& path, std::string_view boundary,
    const MultipartLimits& limits, size_t chunk_bytes) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ReadError(path, errno);

  std::vector<MultipartFilePart> parts;
  const MultipartParser* parser = nullptr;  // set once it exists
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&](const MultipartPartHeader& h) {
    parts.push_back({h, parser->part_data_offset(), 0});
    return OkStatus();
  };
  cb.on_part_data = [&](std::string_view data) {
    parts.back().length += data.size();
    return OkStatus();
  };
  MultipartParser scanner(std::string(boundary), limits, std::move(cb));
  parser = &scanner;

  // The parser holds back what may start a delimiter across chunks, so any
  // chunk size gives the same parts.
  std::string chunk(std::max<size_t>(chunk_bytes, 1), '\0');
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ReadError(path, errno);
    if (n == 0) break;
    RETURN_IF_ERROR(
        scanner.Feed(std::string_view(chunk.data(), static_cast<size_t>(n))));
  }
  RETURN_IF_ERROR(scanner.Finish());
  return parts;
}

}  // namespace ocr
