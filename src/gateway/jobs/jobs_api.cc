#include "gateway/jobs/jobs_api.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/json_writer.h"
#include "common/status_http.h"
#include "gateway/jobs/job_input.h"
#include "gateway/jobs/job_json.h"
#include "gateway/jobs/job_request.h"
#include "gateway/jobs/page_output.h"
#include "gateway/upstream_protocol.h"

namespace ocr::jobs {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every option that shapes the job, unambiguously: with the upload's bytes,
// what an Idempotency-Key is checked against.
std::string OptionsKey(const JobSpec& spec) {
  std::string key;
  for (const auto& [name, value] : spec.parameters) {
    key += std::to_string(name.size()) + ":" + name + "=" +
           std::to_string(value.size()) + ":" + value + ";";
  }
  key += "callback=" + spec.callback_url;
  return key;
}

// Seconds a client should wait before asking again.
std::string RetryAfter(const JobRecord& job) {
  const auto eta = EtaSeconds(job, NowMs());
  const int seconds = eta ? std::clamp(static_cast<int>(*eta / 4), 1, 10) : 1;
  return std::to_string(seconds);
}

}  // namespace

JobsApi::JobsApi(JobStore& store, JobRunner& runner, JobEvents& events,
                 JobsApiOptions options)
    : store_(store),
      runner_(runner),
      events_(events),
      options_(std::move(options)) {}

Response JobsApi::Accepted(RequestContext& ctx, const JobRecord& job,
                           http::status status) {
  Response res = JsonResponse(ctx, status, JobStatusJson(job, NowMs()));
  const std::string location = "/gateway/jobs/" + job.spec.id;
  if (status == http::status::accepted) {
    res.set(http::field::location, location);
  } else {
    res.set(http::field::content_location, location);
  }
  if (!IsFinal(job.state)) res.set(http::field::retry_after, RetryAfter(job));
  return res;
}

net::awaitable<StatusOr<JobRecord>> JobsApi::Create(RequestContext& ctx,
                                                    const Upload& upload,
                                                    bool idempotent,
                                                    bool* created) {
  JobSpec spec;
  spec.id = NewJobId();
  spec.filename = upload.filename;
  spec.media_type = upload.media_type;
  spec.parameters = ForwardedParameters(ctx);
  spec.input_bytes = static_cast<int64_t>(upload.size());
  for (const auto& [name, value] : spec.parameters) {
    if (name == "output") spec.output = value;
  }
  if (!OutputMediaType(spec.output)) {
    co_return InvalidArgumentError(
        "parameter 'output' must be one of text, hocr, alto, tsv, json, pdf; "
        "got '" +
        spec.output + "'");
  }
  if (auto callback = ctx.Query("callback_url")) {
    if (!options_.check_callback) {
      co_return InvalidArgumentError("callbacks are not enabled");
    }
    if (Status s = options_.check_callback(*callback); !s.ok()) co_return s;
    spec.callback_url = std::move(*callback);
  }
  if (idempotent) {
    auto key = IdempotencyKeyOf(ctx.request);
    if (!key.ok()) co_return key.status();
    if (*key) spec.idempotency_key = std::move(**key);
  }
  const std::string path = runner_.InputPath(spec.id);
  std::function<StatusOr<JobRecord>()> blocking_13 =
      [this, &spec, &upload, &path, created]() -> StatusOr<JobRecord> {
    ASSIGN_OR_RETURN(spec.request_digest,
                     StoreUpload(upload, path, OptionsKey(spec)));
    auto made = store_.CreateJob(spec, NowMs(), created);
    if (!made.ok() || !*created) std::remove(path.c_str());
    return made;
  };
  auto record = co_await runner_.Blocking<StatusOr<JobRecord>>(blocking_13);
  if (record.ok() && *created) {
    ctx.log_fields.emplace_back("job_id", spec.id);
    if (options_.metrics) options_.metrics->JobCreated();
    runner_.Enqueue(spec.id);
  }
  co_return record;
}

net::awaitable<Response> JobsApi::Submit(RequestContext& ctx,
                                         const Upload& upload) {
  bool created = false;
  auto record = co_await Create(ctx, upload, true, &created);
  if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  Response res = Accepted(ctx, *record, http::status::accepted);
  if (!created) res.set("Idempotent-Replayed", "true");
  if (ParsePrefer(ctx.request).respond_async) {
    res.set("Preference-Applied", "respond-async");
  }
  co_return res;
}

net::awaitable<Response> JobsApi::RunSync(RequestContext& ctx,
                                          const Upload& upload,
                                          Clock::time_point deadline) {
  bool created = false;
  auto record = co_await Create(ctx, upload, false, &created);
  if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  const std::string id = record->spec.id;
  // A client that goes away wakes the wait below; its job, whose id it was
  // never told, is cancelled (its pages in flight stop on the model).
  ctx.on_client_gone = [this, id] { events_.Notify(id); };
  while (!IsFinal(record->state) && Clock::now() < deadline &&
         !ctx.client_gone->load()) {
    const uint64_t seen = events_.Counter(id);
    std::function<StatusOr<JobRecord>()> blocking_14 = [this, id] {
      return store_.GetJob(id);
    };
    record = co_await runner_.Blocking<StatusOr<JobRecord>>(blocking_14);
    if (!record.ok()) co_return ErrorResponse(ctx, record.status());
    if (IsFinal(record->state)) break;
    co_await events_.Wait(id, seen, deadline);
  }
  if (!IsFinal(record->state) && ctx.client_gone->load()) {
    const Status cancelled = co_await runner_.Cancel(id);
    LOG_INFO("job cancelled: its client is gone",
             {{"job_id", id}, {"cancelled", cancelled.ok()}});
    co_return ClientGoneResponse(
        ctx, "the client is gone; job " + id + " cancelled");
  }
  if (!IsFinal(record->state)) {
    Response res = ErrorResponse(
        ctx, DeadlineExceededError(
                 "the document was not read within the deadline (" +
                 std::to_string(record->pages_done) + " of " +
                 std::to_string(record->pages_total) +
                 " pages done); it goes on as job " + id +
                 ": GET /gateway/jobs/" + id));
    res.set(http::field::location, "/gateway/jobs/" + id);
    co_return res;
  }
  if (record->pages_failed > 0 || record->pages_done == 0) {
    // As the model answers a document with a page it cannot read: the
    // error. The pages that were read stay in the job.
    ocr::Status failure = runner_.TakeFailure(id);
    if (failure.ok()) {
      failure = ocr::Status(StatusCode::kBadGateway, record->detail.empty()
                                                         ? "a page failed"
                                                         : record->detail);
    }
    Response res = ErrorResponse(ctx, failure);
    res.set(http::field::location, "/gateway/jobs/" + id);
    co_return res;
  }
  (void)runner_.TakeFailure(id);  // none: every page was read
  co_return co_await ResultOf(ctx, *record, ctx.request_id);
}

net::awaitable<StatusOr<JobRecord>> JobsApi::Find(RequestContext& ctx) {
  const std::string id(ctx.Param("id"));
  ctx.log_fields.emplace_back("job_id", id);
  if (!ValidJobId(id)) co_return NotFoundError("no job '" + id + "'");
  std::function<StatusOr<JobRecord>()> blocking_15 = [this, id] {
    return store_.GetJob(id);
  };
  auto record = co_await runner_.Blocking<StatusOr<JobRecord>>(blocking_15);
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
    co_return NotFoundError("no job '" + id + "'");
  }
  co_return record;
}

net::awaitable<Response> JobsApi::GetStatus(RequestContext& ctx) {
  std::chrono::milliseconds wait{0};
  if (auto value = ctx.Query("wait")) {
    auto parsed = ParseWaitQuery(*value);
    if (!parsed.ok()) co_return ErrorResponse(ctx, parsed.status());
    wait = *parsed;
  }
  const std::string id(ctx.Param("id"));
  const uint64_t seen = events_.Counter(id);
  auto record = co_await Find(ctx);
  if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  if (wait.count() > 0 && !IsFinal(record->state)) {
    co_await events_.Wait(id, seen, Clock::now() + wait);
    record = co_await Find(ctx);
    if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  }
  co_return Accepted(ctx, *record, http::status::ok);
}

net::awaitable<Response> JobsApi::ResultOf(RequestContext& ctx,
                                           const JobRecord& job,
                                           const std::string& id) {
  std::string format = job.spec.output;
  if (auto asked = ctx.Query("output")) {
    const bool allowed =
        *asked == job.spec.output ||
        (job.spec.output == "text" && (*asked == "json" || *asked == "text"));
    if (!allowed) {
      co_return ErrorResponse(
          ctx, InvalidArgumentError(
                   "the job was made with output=" + job.spec.output +
                   (job.spec.output == "text" ? " (text or json)" : "") +
                   "; ask for that output, or submit the file again with "
                   "output=" +
                   *asked));
    }
    format = *asked;
  }
  const std::string job_id = job.spec.id;
  std::function<StatusOr<std::vector<PageResult>>()> blocking_16 =
      [this, job_id] { return store_.PageResults(job_id); };
  auto pages =
      co_await runner_.Blocking<StatusOr<std::vector<PageResult>>>(blocking_16);
  if (!pages.ok()) co_return ErrorResponse(ctx, pages.status());
  auto document = AssembleOutput(format, *pages);
  if (!document.ok()) co_return ErrorResponse(ctx, document.status());
  if (format != "text") {
    co_return TextResponse(ctx, http::status::ok, *OutputMediaType(format),
                           std::move(document).value());
  }
  if (WantsPlainText(ctx)) {
    co_return TextResponse(ctx, http::status::ok, "text/plain; charset=utf-8",
                           std::move(document).value());
  }
  V2Answer answer;
  answer.id = id;
  answer.model_name = options_.model_name;
  answer.shape = {1};
  answer.elements.push_back(std::move(document).value());
  co_return TextResponse(ctx, http::status::ok, "application/json",
                         RenderV2Json(answer));
}

net::awaitable<Response> JobsApi::Result(RequestContext& ctx) {
  auto record = co_await Find(ctx);
  if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  if (!IsFinal(record->state)) {
    Response res = ErrorResponse(
        ctx, ocr::Status(StatusCode::kConflict,
                         "the job is " + std::string(Name(record->state)) +
                             " (" + std::to_string(record->pages_done) +
                             " of " + std::to_string(record->pages_total) +
                             " pages done): its result is ready when it ends; "
                             "GET /gateway/jobs/" +
                             record->spec.id + "?wait=30"));
    res.set(http::field::retry_after, RetryAfter(*record));
    co_return res;
  }
  if (record->pages_done == 0) {
    co_return ErrorResponse(
        ctx, ocr::Status(
                 StatusCode::kConflict,
                 "the job failed and has no result: " +
                     (record->detail.empty() ? std::string("no page was read")
                                             : record->detail)));
  }
  co_return co_await ResultOf(ctx, *record, record->spec.id);
}

net::awaitable<Response> JobsApi::Pages(RequestContext& ctx) {
  int64_t after = 0;
  const bool sse = ctx.request[http::field::accept].find("text/event-stream") !=
                   std::string_view::npos;
  std::optional<std::string> cursor = ctx.Query("after");
  if (!cursor && sse) {
    // An EventSource that reconnects sends the last id it saw.
    const std::string_view last = ctx.request["Last-Event-ID"];
    if (!last.empty()) cursor = std::string(last);
  }
  if (cursor) {
    auto parsed = ParseAfterCursor(*cursor);
    if (!parsed.ok()) co_return ErrorResponse(ctx, parsed.status());
    after = *parsed;
  }
  auto record = co_await Find(ctx);
  if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  const std::string id = record->spec.id;
  Response res{http::status::ok, ctx.request.version()};
  res.set(http::field::content_type,
          sse ? "text/event-stream" : "application/x-ndjson");
  res.set(http::field::cache_control, "no-cache");
  ctx.stream = [this, id, after, sse](BodyStream& out) {
    return StreamPages(out, id, after, sse);
  };
  co_return res;
}

net::awaitable<void> JobsApi::StreamPages(BodyStream& out, std::string id,
                                          int64_t after, bool sse) {
  constexpr int kBatch = 256;
  constexpr auto kHeartbeat = std::chrono::seconds(15);
  int64_t cursor = after;
  while (!out.closed()) {
    const uint64_t seen = events_.Counter(id);
    std::function<StatusOr<std::vector<PageResult>>()> finished = [this, id,
                                                                   cursor] {
      return store_.FinishedPages(id, cursor, kBatch, false);
    };
    auto pages =
        co_await runner_.Blocking<StatusOr<std::vector<PageResult>>>(finished);
    if (!pages.ok()) co_return;
    for (const PageResult& page : *pages) {
      std::string chunk;
      if (sse) {
        chunk = "id: " + std::to_string(page.done_seq) +
                "\nevent: page\ndata: " + PageRecordJson(page) + "\n\n";
      } else {
        chunk = PageRecordJson(page) + "\n";
      }
      if (!co_await out.Write(chunk)) co_return;
      cursor = page.done_seq;
    }
    if (static_cast<int>(pages->size()) == kBatch) continue;
    std::function<StatusOr<JobRecord>()> get = [this, id] {
      return store_.GetJob(id);
    };
    auto record = co_await runner_.Blocking<StatusOr<JobRecord>>(get);
    if (!record.ok()) co_return;  // deleted meanwhile
    if (IsFinal(record->state) &&
        cursor >= record->pages_done + record->pages_failed) {
      if (sse) {
        const std::string end =
            "event: end\ndata: " + JobStatusJson(*record, NowMs()) + "\n\n";
        co_await out.Write(end);
      }
      co_return;
    }
    const auto until = Clock::now() + kHeartbeat;
    co_await events_.Wait(id, seen, until);
    if (sse && Clock::now() >= until) {
      const std::string_view heartbeat = ": keep-alive\n\n";
      if (!co_await out.Write(heartbeat)) co_return;
    }
  }
}

net::awaitable<Response> JobsApi::Delete(RequestContext& ctx) {
  auto record = co_await Find(ctx);
  if (!record.ok()) co_return ErrorResponse(ctx, record.status());
  const ocr::Status status = co_await runner_.Cancel(record->spec.id);
  if (!status.ok()) co_return ErrorResponse(ctx, status);
  Response res{http::status::no_content, ctx.request.version()};
  co_return res;
}

void JobsApi::AddRoutes(Router& router,
                        const std::function<Handler(Handler)>& guard) {
  const auto route = [&](http::verb verb, std::string path, auto member) {
    router.Add(verb, std::move(path),
               guard([this, member](RequestContext& ctx) {
                 return (this->*member)(ctx);
               }));
  };
  router.Add(http::verb::post, "/gateway/jobs",
             guard([this](RequestContext& ctx) -> net::awaitable<Response> {
               Upload upload;
               if (auto refused = ReadUpload(ctx, &upload)) {
                 co_return std::move(*refused);
               }
               co_return co_await Submit(ctx, upload);
             }),
             RouteOptions{.inference = true,
                          // Room for the multipart framing.
                          .max_body_bytes = options_.max_job_bytes + 64 * 1024,
                          .spool_dir = options_.spool_dir});
  route(http::verb::get, "/gateway/jobs/{id}/result", &JobsApi::Result);
  route(http::verb::get, "/gateway/jobs/{id}/pages", &JobsApi::Pages);
  route(http::verb::get, "/gateway/jobs/{id}", &JobsApi::GetStatus);
  route(http::verb::delete_, "/gateway/jobs/{id}", &JobsApi::Delete);
}

}  // namespace ocr::jobs
