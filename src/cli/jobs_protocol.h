// What `ocr` needs of the gateway's asynchronous jobs (README, "Command-line
// client"): which inputs go as jobs, the Idempotency-Key of a submission,
// the requests' targets, the job a Location names, the status document, and
// what to do with a job found again. Pure: unit-tested without a network.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli_options.h"
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

// Whether `bytes` are a document: a format that may hold several pages
// (PDF, TIFF), told from the leading bytes as common/image_format.h does.
bool IsDocument(std::string_view bytes);

// Whether this input goes to the gateway as a job: never with --api=model
// or --use-jobs=never, always with --use-jobs=always, else documents only.
bool SendsAsJob(const CliOptions& options, std::string_view bytes);

// The Idempotency-Key of a submission: "ocr-cli-" and the SHA-256 (hex) of
// the file and the query options, so the same file with the same options
// always names the same job, and any other request another.
std::string IdempotencyKey(const CliOptions& options, std::string_view bytes);

// Whether `id` is a job id as the gateway checks them (26 lower-case
// letters and digits: Crockford base32).
bool ValidJobId(std::string_view id);

// The job a Location header names: "/gateway/jobs/ID" or an absolute URL
// ending so; nullopt for anything else.
std::optional<std::string> JobIdFromLocation(std::string_view location);

// POST /gateway/jobs with the query options (as /gateway/ocr takes them).
std::string SubmitJobTarget(const CliOptions& options);
// GET /gateway/jobs/ID?wait=N (N = 0: no wait).
std::string JobStatusTarget(std::string_view id, int wait_seconds);
// GET or DELETE /gateway/jobs/ID.
std::string JobTarget(std::string_view id);
// GET /gateway/jobs/ID/result.
std::string JobResultTarget(std::string_view id);

// The `wait` of a long poll (the gateway allows up to 60 s): each poll is
// answered within that, or as soon as the job changes. A poll may take this
// plus --timeout.
inline constexpr int kLongPollSeconds = 30;

// What to do with the job a POST /gateway/jobs answered with because its
// Idempotency-Key was used before (Idempotent-Replayed: true).
enum class ReplayAction {
  kUse,       // follow it: it is running, or it succeeded
  kResubmit,  // delete it and submit again: it ended without every page
              // (failed, cancelled, partially succeeded), or --force asks
              // to redo a finished one
};
ReplayAction OnReplayedJob(JobState state, bool force);

// Why a final job has no complete result: "job ID failed: DETAIL",
// "job ID partially succeeded: 2 of 12 pages failed (page 3: ...; page 7:
// ...)". At most three page errors are named.
std::string JobProblem(const JobStatus& status);

}  // namespace ocr::cli
