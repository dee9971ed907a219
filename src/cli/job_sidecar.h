// The record of a job `ocr` submitted, kept beside the input's result until
// the result is written: `.<result name>.ocr-job` in the result's folder
// (hidden, and no input extension: never taken as an input). A run that was
// interrupted finds it and follows the same job instead of submitting the
// file again. One JSON object: {"job":ID,"gateway":"host:port","key":KEY}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/inputs.h"
#include "common/status.h"

namespace ocr::cli {

struct JobSidecar {
  std::string job_id;
  std::string gateway;  // host:port of the gateway that has the job
  std::string key;      // the submission's Idempotency-Key (file + options)
};

// Where the record of `result`'s job is kept.
fs::path SidecarPath(const fs::path& result);

// The record as written: one JSON line.
std::string RenderSidecar(const JobSidecar& sidecar);
// A record read back (simdjson); nullopt when it is not one.
std::optional<JobSidecar> ParseSidecar(std::string_view text);

// The job recorded at `path` when the record is of the same gateway and
// the same file and options (`key`); nullopt otherwise (none, unreadable,
// or another request's, which a new submission overwrites).
std::optional<std::string> RecordedJob(const fs::path& path,
                                       std::string_view gateway,
                                       std::string_view key);

// Writes the record atomically (creating the folder).
Status RecordJob(const fs::path& path, const JobSidecar& sidecar);

// Removes the record, if any.
void ForgetJob(const fs::path& path);

}  // namespace ocr::cli
