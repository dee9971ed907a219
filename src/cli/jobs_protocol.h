// What `ocr` needs of the gateway's asynchronous jobs (README, "Command-line
// client"): which inputs go as jobs, the Idempotency-Key of a submission,
// the requests' targets, and what to do with a job found again (the status
// document and job ids: job_status.h). Pure: unit-tested without a network.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/cli_options.h"
#include "cli/job_status.h"

namespace ocr::cli {

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
