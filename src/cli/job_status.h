// The gateway's job status document as the client reads it, and the job
// ids a Location header names. Pure (simdjson only): fuzzed by
// tests/fuzz/cli_answers_fuzzer.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ocr::cli {

// A job's `status` in the gateway's status document.
enum class JobState {
  kQueued,
  kRunning,
  kSucceeded,
  kPartiallySucceeded,
  kFailed,
  kCancelled,
};

// "queued" -> kQueued ...; nullopt for anything else.
std::optional<JobState> ParseJobState(std::string_view name);
std::string_view JobStateName(JobState state);
// Whether the job has ended (it changes no more).
bool IsFinal(JobState state);

struct PageError {
  int page = 0;
  std::string detail;
};

// GET /gateway/jobs/{id} (and the 202 of POST /gateway/jobs), the members
// the client uses.
struct JobStatus {
  std::string id;
  JobState state = JobState::kQueued;
  int pages_total = 0;  // 0 until the document is split
  int pages_done = 0;
  int pages_failed = 0;
  std::optional<double> eta_seconds;  // null: unknown
  std::vector<PageError> errors;
  std::string detail;  // why a job failed; "" when absent
  int pages_finished() const { return pages_done + pages_failed; }
};

// Parses a status document (JSON, with simdjson). kInvalidArgument when it
// is not JSON, or lacks a valid id or a known status.
StatusOr<JobStatus> ParseJobStatus(std::string_view body);

// Whether `id` is a job id as the gateway checks them (26 lower-case
// letters and digits: Crockford base32).
bool ValidJobId(std::string_view id);

// The job a Location header names: "/gateway/jobs/ID" or an absolute URL
// ending so; nullopt for anything else.
std::optional<std::string> JobIdFromLocation(std::string_view location);

}  // namespace ocr::cli
