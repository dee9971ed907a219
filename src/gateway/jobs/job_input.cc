#include "gateway/jobs/job_input.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace ocr::jobs {
namespace {

constexpr size_t kPieceBytes = 1 << 20;

Status WriteError(int error) {
  if (error == ENOSPC || error == EDQUOT) {
    return InsufficientStorageError(
        "the job store's disk is full: the upload cannot be stored");
  }
  return UnavailableError("cannot store the upload: " +
                          std::string(std::strerror(error)));
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteError(n < 0 ? errno : ENOSPC);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

std::string Hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

struct Md {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Md() { EVP_MD_CTX_free(ctx); }
};

// Copies (and hashes) the upload into `out`.
Status Copy(const Upload& upload, int out, EVP_MD_CTX* md) {
  if (upload.body_file.empty()) {
    EVP_DigestUpdate(md, upload.file.data(), upload.file.size());
    return WriteAll(out, upload.file);
  }
  const int in = open(upload.body_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return UnavailableError("the uploaded body is gone");
  std::vector<char> piece(kPieceBytes);
  uint64_t at = upload.offset;
  uint64_t left = upload.length;
  Status status;
  while (left > 0 && status.ok()) {
    const ssize_t n =
        pread(in, piece.data(),
              static_cast<size_t>(std::min<uint64_t>(left, piece.size())),
              static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = UnavailableError("the uploaded body is shorter than it said");
      break;
    }
    const std::string_view bytes(piece.data(), static_cast<size_t>(n));
    EVP_DigestUpdate(md, bytes.data(), bytes.size());
    status = WriteAll(out, bytes);
    at += static_cast<uint64_t>(n);
    left -= static_cast<uint64_t>(n);
  }
  close(in);
  return status;
}

}  // namespace

StatusOr<std::string> StoreUpload(const Upload& upload, const std::string& path,
                                  std::string_view options_key) {
  Md md;
  EVP_DigestInit_ex(md.ctx, EVP_sha256(), nullptr);
  const uint64_t size = upload.size();
  EVP_DigestUpdate(md.ctx, &size, sizeof size);
  const int out =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return WriteError(errno);
  Status status = Copy(upload, out, md.ctx);
  if (status.ok() && fsync(out) != 0) status = WriteError(errno);
  if (close(out) != 0 && status.ok()) status = WriteError(errno);
  if (!status.ok()) {
    std::remove(path.c_str());
    return status;
  }
  EVP_DigestUpdate(md.ctx, options_key.data(), options_key.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_size = 0;
  EVP_DigestFinal_ex(md.ctx, digest, &digest_size);
  return Hex(digest, digest_size);
}

}  // namespace ocr::jobs
