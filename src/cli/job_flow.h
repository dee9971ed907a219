// A document through the gateway's jobs API: submit it (POST /gateway/jobs
// with an Idempotency-Key of the file and options, so a retried POST never
// makes a second job), record the job beside the result (job_sidecar.h),
// long-poll its status (showing pages and ETA), then fetch its result in
// the format asked for and write it. An interrupted run's recorded job is
// followed again; one the gateway no longer has (404) is submitted again.
#pragma once

#include <optional>
#include <string>

#include "cli/caller.h"
#include "cli/jobs_protocol.h"
#include "cli/results.h"

namespace ocr::cli {

class JobFlow {
 public:
  // Not owned; all must outlive the flow.
  JobFlow(const CliOptions& options, Caller& caller, Progress& progress);

  // Whether the gateway has the jobs API: false once a POST /gateway/jobs
  // was answered 404 or 405 with --use-jobs=auto (then files go to
  // /gateway/ocr).
  bool available() const { return available_; }

  // Runs `file` (whose content is `bytes`) as a job and reports its outcome
  // (Ok or Fail). False, having reported nothing, when the gateway has no
  // jobs API and --use-jobs=auto: the caller sends the file synchronously.
  net::awaitable<bool> Run(const PlannedFile& file, const std::string& bytes,
                           Clock::time_point start);

  // Follows job `id`, which the gateway made of `file` (/gateway/ocr's 504
  // with a Location), as Run does once the job exists.
  net::awaitable<void> Follow(const PlannedFile& file, const std::string& bytes,
                              std::string id, Clock::time_point start);

 private:
  struct Submission {
    std::optional<std::string> id;  // the job; nullopt: failed (reported)
    bool no_jobs_api = false;       // 404/405 with --use-jobs=auto
  };
  struct Polled {
    std::optional<JobStatus> status;  // final; nullopt: gone or failed
    bool gone = false;                // 404: the gateway has no such job
    std::string message;              // why it failed
  };

  net::awaitable<bool> Drive(const PlannedFile& file, const std::string& bytes,
                             std::optional<std::string> id,
                             Clock::time_point start);
  net::awaitable<Submission> Submit(const PlannedFile& file,
                                    const std::string& bytes,
                                    const std::string& key);
  net::awaitable<Polled> Poll(const std::string& input, const std::string& id);
  net::awaitable<void> Finish(const PlannedFile& file, const JobStatus& status,
                              Clock::time_point start);

  const CliOptions& options_;
  Caller& caller_;
  Progress& progress_;
  const std::string gateway_;  // host:port, as job records name it
  bool available_ = true;
};

}  // namespace ocr::cli
