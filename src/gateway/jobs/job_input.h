// A job's upload on disk: copied from the request (in memory, or a slice of
// the body the server spooled to disk) to the job's input file in one pass,
// synced before the job exists, with the SHA-256 that identifies the
// request for Idempotency-Key. Memory stays flat whatever the size.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "gateway/ocr_api.h"

namespace ocr::jobs {

// Writes the upload to `path` (replacing it) and returns the SHA-256 (hex)
// of its length, its bytes and then `options_key`. A full disk (ENOSPC,
// EDQUOT) is kInsufficientStorage; the partial file is removed on failure.
StatusOr<std::string> StoreUpload(const Upload& upload, const std::string& path,
                                  std::string_view options_key);

}  // namespace ocr::jobs
