// The jobs API of the gateway:
//   POST   /gateway/jobs                 upload -> 202, Location, status
//   GET    /gateway/jobs/{id}            status; ?wait=N long-polls
//   GET    /gateway/jobs/{id}/result     the bytes /gateway/ocr answers
//   GET    /gateway/jobs/{id}/pages      finished pages, NDJSON (or SSE)
//   DELETE /gateway/jobs/{id}            cancel and purge -> 204
// and the two ways /gateway/ocr uses jobs: Prefer: respond-async, and a
// document read page by page on every endpoint (504 with the job's
// Location when it outlives the deadline: nothing computed is lost).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "common/http_router.h"
#include "gateway/jobs/job_events.h"
#include "gateway/jobs/job_runner.h"
#include "gateway/jobs/job_store.h"
#include "gateway/ocr_api.h"

namespace ocr::jobs {

struct JobsApiOptions {
  std::string model_name = "ocr-model";
  // Checks a callback_url (syntax and destination policy); null: refused.
  std::function<Status(std::string_view url)> check_callback;
  JobMetrics* metrics = nullptr;  // not owned; may be null
  // POST /gateway/jobs: the largest upload, and the folder its body is
  // written to as it arrives (never held in memory).
  int64_t max_job_bytes = 2ll << 30;
  std::string spool_dir;
};

class JobsApi {
 public:
  // Not owned; must outlive the routes.
  JobsApi(JobStore& store, JobRunner& runner, JobEvents& events,
          JobsApiOptions options);

  // Whether documents are split into pages (else a document is one task).
  bool SplitsDocuments() const { return runner_.SplitsDocuments(); }

  // Adds the routes, each wrapped by `guard` (the API key check).
  void AddRoutes(Router& router, const std::function<Handler(Handler)>& guard);

  // Creates a job of `upload` with the request's query options: 202.
  net::awaitable<Response> Submit(RequestContext& ctx, const Upload& upload);
  // Runs `upload` as a job and answers as /gateway/ocr once it ends, or
  // 504 with its Location at `deadline`. A client that goes away before
  // either cancels the job.
  net::awaitable<Response> RunSync(RequestContext& ctx, const Upload& upload,
                                   Clock::time_point deadline);

 private:
  net::awaitable<StatusOr<JobRecord>> Create(RequestContext& ctx,
                                             const Upload& upload,
                                             bool idempotent, bool* created);
  net::awaitable<Response> GetStatus(RequestContext& ctx);
  net::awaitable<Response> Result(RequestContext& ctx);
  net::awaitable<Response> Pages(RequestContext& ctx);
  // Writes the finished pages after `after` as they come, until the job
  // ends (or is deleted) or the client goes.
  net::awaitable<void> StreamPages(BodyStream& out, std::string id,
                                   int64_t after, bool sse);
  net::awaitable<Response> Delete(RequestContext& ctx);
  // The job named by the route, or the error response to send.
  net::awaitable<StatusOr<JobRecord>> Find(RequestContext& ctx);
  // The result of a final job, as /gateway/ocr answers; `id` is the V2
  // answer's id.
  net::awaitable<Response> ResultOf(RequestContext& ctx, const JobRecord& job,
                                    const std::string& id);
  Response Accepted(RequestContext& ctx, const JobRecord& job,
                    http::status status);

  JobStore& store_;
  JobRunner& runner_;
  JobEvents& events_;
  const JobsApiOptions options_;
};

}  // namespace ocr::jobs
