// The steps of a document's job: submit or resume, poll, fetch, write.
#include "cli/job_flow.h"

#include "cli/job_sidecar.h"
#include "cli/ocr_request.h"

namespace ocr::cli {
namespace {

// How often one file's job may be submitted in one run: a job that
// vanishes each time (a gateway restarted without --job-dir, someone
// deleting it) is not chased for ever.
constexpr int kMaxSubmissions = 3;

bool Answered(const HttpAttempt& a, unsigned status) {
  return a.failed_at == HttpAttempt::Stage::kNone &&
         a.response.result_int() == status;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

JobFlow::JobFlow(const CliOptions& options, Caller& caller, Progress& progress)
    : options_(options),
      caller_(caller),
      progress_(progress),
      gateway_(options.endpoint.host + ":" + options.endpoint.port) {}

net::awaitable<bool> JobFlow::Run(const PlannedFile& file,
                                  const std::string& bytes,
                                  Clock::time_point start) {
  const fs::path sidecar = SidecarPath(file.result);
  auto id = RecordedJob(sidecar, gateway_, IdempotencyKey(options_, bytes));
  if (id) {
    progress_.Job(
        file.input.path.string(),
        "resuming job " + *id + " (recorded in " + sidecar.string() + ")");
  }
  co_return co_await Drive(file, bytes, std::move(id), start);
}

net::awaitable<void> JobFlow::Follow(const PlannedFile& file,
                                     const std::string& bytes, std::string id,
                                     Clock::time_point start) {
  const std::string key = IdempotencyKey(options_, bytes);
  // Not recorded is not fatal: only a later run's resumption needs it.
  const Status recorded =
      RecordJob(SidecarPath(file.result), {id, gateway_, key});
  progress_.Job(
      file.input.path.string(),
      "not read within the gateway's deadline; following job " + id +
          (recorded.ok() ? "" : " (not recorded: " + recorded.message() + ")"));
  co_await Drive(file, bytes, std::move(id), start);
}

net::awaitable<bool> JobFlow::Drive(const PlannedFile& file,
                                    const std::string& bytes,
                                    std::optional<std::string> id,
                                    Clock::time_point start) {
  const std::string input = file.input.path.string();
  const fs::path sidecar = SidecarPath(file.result);
  const std::string key = IdempotencyKey(options_, bytes);
  for (int submissions = 0;;) {
    if (!id) {
      if (++submissions > kMaxSubmissions) {
        progress_.Fail(input, "its job was lost " +
                                  std::to_string(kMaxSubmissions) +
                                  " times (is the gateway restarting?)");
        co_return true;
      }
      Submission submitted = co_await Submit(file, bytes, key);
      if (submitted.no_jobs_api) co_return false;
      if (!submitted.id) co_return true;  // reported
      id = std::move(submitted.id);
    }
    Polled polled = co_await Poll(input, *id);
    if (polled.gone) {
      ForgetJob(sidecar);
      progress_.Job(input, "the gateway no longer has job " + *id +
                               " (expired or deleted): submitting again");
      id.reset();
      continue;
    }
    if (!polled.status) {
      // The job may still be running: its record stays for the next run.
      progress_.Fail(input, polled.message);
      co_return true;
    }
    co_await Finish(file, *polled.status, start);
    co_return true;
  }
}

net::awaitable<JobFlow::Submission> JobFlow::Submit(const PlannedFile& file,
                                                    const std::string& bytes,
                                                    const std::string& key) {
  const std::string input = file.input.path.string();
  const PreparedRequest upload =
      BuildGatewayRequest(options_, file.input.path.filename().string(), bytes);
  Call post;
  post.verb = http::verb::post;
  post.target = SubmitJobTarget(options_);
  post.content_type = upload.content_type;
  post.accept = "application/json";
  post.body = upload.body;
  post.headers.emplace_back("Idempotency-Key", key);
  for (bool deleted = false;;) {
    const CallOutcome sent = co_await caller_.Send(input, post);
    if (sent.verdict != Verdict::kSuccess) {
      if (options_.use_jobs == JobsMode::kAuto &&
          (Answered(sent.attempt, 404) || Answered(sent.attempt, 405))) {
        available_ = false;  // a gateway without jobs: /gateway/ocr it is
        co_return Submission{std::nullopt, true};
      }
      progress_.Fail(input, sent.message);
      co_return Submission{};
    }
    auto status = ParseJobStatus(sent.attempt.response.body());
    if (!status.ok()) {
      progress_.Fail(input, "POST /gateway/jobs: " + status.status().message());
      co_return Submission{};
    }
    const bool replayed =
        sent.attempt.response["Idempotent-Replayed"] == "true";
    if (replayed && !deleted &&
        OnReplayedJob(status->state, options_.force) ==
            ReplayAction::kResubmit) {
      // The same file and options made a job that ended before: delete it
      // (which frees its key) and make a new one.
      progress_.Job(input, "job " + status->id + " of this file " +
                               std::string(JobStateName(status->state)) +
                               " before: deleting it and submitting again");
      Call del;
      del.verb = http::verb::delete_;
      del.target = JobTarget(status->id);
      const CallOutcome gone = co_await caller_.Send(input, del);
      if (gone.verdict != Verdict::kSuccess && !Answered(gone.attempt, 404)) {
        progress_.Fail(input, "DELETE " + del.target + ": " + gone.message);
        co_return Submission{};
      }
      deleted = true;
      continue;
    }
    const Status recorded =
        RecordJob(SidecarPath(file.result), {status->id, gateway_, key});
    progress_.Job(
        input,
        (replayed ? "following job " : "submitted as job ") + status->id +
            (recorded.ok() ? ""
                           : " (not recorded: " + recorded.message() + ")"));
    progress_.Document(input, *status);
    co_return Submission{status->id, false};
  }
}

net::awaitable<JobFlow::Polled> JobFlow::Poll(const std::string& input,
                                              const std::string& id) {
  Call get;
  get.target = JobStatusTarget(id, kLongPollSeconds);
  get.accept = "application/json";
  get.extra_seconds = kLongPollSeconds;
  std::string last;
  for (;;) {
    const auto asked = Clock::now();
    const CallOutcome polled = co_await caller_.Send(input, get);
    if (polled.verdict != Verdict::kSuccess) {
      if (Answered(polled.attempt, 404))
        co_return Polled{std::nullopt, true, ""};
      co_return Polled{std::nullopt, false,
                       "job " + id + ": " + polled.message};
    }
    auto status = ParseJobStatus(polled.attempt.response.body());
    if (!status.ok() || status->id != id) {
      co_return Polled{
          std::nullopt, false,
          "job " + id +
              ": the gateway's status is not this "
              "job's: " +
              (status.ok() ? status->id : status.status().message())};
    }
    progress_.Document(input, *status);
    if (IsFinal(status->state)) {
      co_return Polled{std::move(status).value(), false, ""};
    }
    // A long poll answers at once only when the job moved; a gateway that
    // answers at once regardless is asked at most once a second.
    const std::string body = polled.attempt.response.body();
    if (body == last && Clock::now() - asked < std::chrono::seconds(1)) {
      co_await Caller::Sleep(std::chrono::seconds(1));
    }
    last = body;
  }
}

net::awaitable<void> JobFlow::Finish(const PlannedFile& file,
                                     const JobStatus& status,
                                     Clock::time_point start) {
  const std::string input = file.input.path.string();
  const fs::path sidecar = SidecarPath(file.result);
  const bool has_result = (status.state == JobState::kSucceeded ||
                           status.state == JobState::kPartiallySucceeded) &&
                          status.pages_done > 0;
  if (!has_result) {
    ForgetJob(sidecar);
    progress_.Fail(input, JobProblem(status));
    co_return;
  }
  Call get;
  get.target = JobResultTarget(status.id);
  if (options_.format == OutputFormat::kText) get.accept = "text/plain";
  const CallOutcome fetched = co_await caller_.Send(input, get);
  if (fetched.verdict != Verdict::kSuccess) {
    progress_.Fail(input, "GET " + get.target + ": " + fetched.message);
    co_return;
  }
  auto result = ExtractResult(options_, fetched.attempt.response);
  if (!result.ok()) co_return progress_.Fail(input, result.status().message());
  const Status written = WriteFileAtomically(file.result, *result);
  if (!written.ok()) co_return progress_.Fail(input, written.message());
  ForgetJob(sidecar);
  if (status.state == JobState::kSucceeded) {
    progress_.Ok(input, file.result.string(), SecondsSince(start));
  } else {
    progress_.Fail(input, JobProblem(status) + "; the pages read are in " +
                              file.result.string());
  }
}

}  // namespace ocr::cli
