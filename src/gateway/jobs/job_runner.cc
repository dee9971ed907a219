#include "gateway/jobs/job_runner.h"

#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>
#include <fstream>
#include <future>
#include <iterator>

#include "common/logging.h"
#include "common/status_http.h"
#include "gateway/jobs/page_output.h"
#include "gateway/ocr_api.h"

namespace ocr::jobs {
namespace {

constexpr int kSplitBatch = 16;  // pages stored per transaction
// How long an endpoint that answered 503 (its queue full) is left alone.
constexpr auto kBusyPause = std::chrono::milliseconds(500);

std::string ReadWholeFile(const std::string& path, Status* status) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *status = UnavailableError("the job's upload is missing: " + path);
    return {};
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The parameters of one page's model request: the job's, but `pages`
// (applied when splitting) and `output` (the page's own), and the page's
// number in the document.
std::vector<std::pair<std::string, std::string>> PageParameters(
    const JobSpec& spec, int page) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : spec.parameters) {
    if (name == "pages" || name == "output") continue;
    out.emplace_back(name, value);
  }
  out.emplace_back("output", std::string(PageRequestOutput(spec.output)));
  out.emplace_back("first_page", std::to_string(page));
  return out;
}

std::string ParameterValue(const JobSpec& spec, std::string_view name) {
  for (const auto& [n, v] : spec.parameters) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace

bool IsPaged(std::string_view media_type) {
  return media_type == "application/pdf" || media_type == "image/tiff";
}

struct JobRunner::Active {
  JobSpec spec;
  bool split = false;  // every page is stored
  bool may_have_queued = true;
  int in_flight = 0;
  int pages_total = 0;  // from the latest record
  int finished = 0;
  int64_t created_ms = 0;
  std::shared_ptr<std::atomic<bool>> cancelled =
      std::make_shared<std::atomic<bool>>(false);
  std::set<std::shared_ptr<CallCanceller>> calls;
};

JobRunner::JobRunner(net::any_io_executor io, JobStore& store,
                     ModelClient& client, JobEvents& events,
                     JobRunnerOptions options)
    : store_(store),
      client_(client),
      events_(events),
      options_(std::move(options)),
      pool_(static_cast<size_t>(std::max(1, options_.blocking_threads))),
      strand_(net::make_strand(io)),
      wake_(strand_),
      retention_timer_(strand_),
      in_flight_(client.endpoint_count(), 0),
      slots_(client.endpoint_count(), options_.slots_per_endpoint > 0
                                          ? options_.slots_per_endpoint
                                          : kDefaultSlots),
      discovery_timer_(strand_) {}

JobRunner::~JobRunner() {
  Stop();
  pool_.join();
}

int64_t JobRunner::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string JobRunner::InputPath(const std::string& id) const {
  return options_.inputs_dir + "/" + id;
}

Status JobRunner::Start() {
  ASSIGN_OR_RETURN(const int requeued, store_.RequeueRunning());
  if (requeued > 0) {
    LOG_INFO("job pages requeued after a restart", {{"pages", requeued}});
  }
  Spawn(Resume());
  Spawn(DispatchLoop());
  Spawn(RetentionLoop());
  if (options_.slots_per_endpoint <= 0) Spawn(DiscoverEngines());
  return OkStatus();
}

void JobRunner::Spawn(net::awaitable<void> work) {
  net::co_spawn(strand_, std::move(work), [](std::exception_ptr e) {
    if (e) LOG_ERROR("job runner coroutine failed", {});
  });
}

void JobRunner::Stop() {
  // Once only: the second call may come after the I/O threads are gone
  // (~Gateway after Shutdown), when nothing would run a post.
  if (stop_requested_.exchange(true)) return;
  std::promise<void> stopped;
  net::post(strand_, [this, &stopped] {
    if (!stopping_) {
      stopping_ = true;
      for (auto& [id, job] : active_) {
        for (auto& call : job->calls) call->Cancel();
      }
      wake_.cancel();
      retention_timer_.cancel();
      discovery_timer_.cancel();
    }
    stopped.set_value();
  });
  stopped.get_future().wait();
  // The coroutines end at their next step (pages in flight were
  // cancelled); nothing waits for them: the runner outlives the I/O
  // threads that could resume them (~Gateway stops those first).
}

void JobRunner::Wake() {
  net::post(strand_, [this] { wake_.cancel(); });
}

void JobRunner::Activate(const JobRecord& record, bool split) {
  if (active_.contains(record.spec.id) || IsFinal(record.state)) return;
  auto job = std::make_shared<Active>();
  job->spec = record.spec;
  job->split = split;
  job->created_ms = record.created_ms;
  if (active_.empty()) discovery_timer_.cancel();
  active_.emplace(record.spec.id, job);
  Track(record);
  turn_.push_back(record.spec.id);
  if (!split) {
    Spawn(Split(job));
  }
  wake_.cancel();
}

void JobRunner::Track(const JobRecord& record) {
  if (auto it = active_.find(record.spec.id); it != active_.end()) {
    it->second->pages_total = record.pages_total;
    it->second->finished = record.pages_done + record.pages_failed;
  }
  UpdateBacklog();
}

void JobRunner::Ended(const JobRecord& record) {
  active_.erase(record.spec.id);
  LOG_INFO("job finished", {{"job_id", record.spec.id},
                            {"status", Name(record.state)},
                            {"pages_done", record.pages_done},
                            {"pages_failed", record.pages_failed}});
  if (options_.metrics) options_.metrics->JobFinished(record.state);
  UpdateBacklog();
  if (options_.on_final) options_.on_final(record);
}

void JobRunner::UpdateBacklog() {
  if (options_.metrics == nullptr) return;
  int queued_jobs = 0, running_jobs = 0;
  int64_t queued = 0, in_flight = 0, oldest = 0;
  for (const auto& [id, job] : active_) {
    const bool started = job->in_flight > 0 || job->finished > 0;
    ++(started ? running_jobs : queued_jobs);
    in_flight += job->in_flight;
    const int64_t waiting =
        job->split ? job->pages_total - job->finished - job->in_flight
                   : (job->in_flight == 0 ? 1 : 0);
    if (waiting <= 0) continue;
    queued += waiting;
    if (oldest == 0 || job->created_ms < oldest) oldest = job->created_ms;
  }
  options_.metrics->SetBacklog(
      queued_jobs, running_jobs, queued, in_flight,
      oldest == 0 ? 0 : static_cast<double>(NowMs() - oldest) / 1000);
}

void JobRunner::Enqueue(const std::string& id) {
  net::co_spawn(
      strand_,
      [this, id]() -> net::awaitable<void> {
        std::function<StatusOr<JobRecord>()> blocking_1 = [this, id] {
          return store_.GetJob(id);
        };
        auto record = co_await Blocking<StatusOr<JobRecord>>(blocking_1);
        if (record.ok() && !stopping_) Activate(*record, record->split);
      },
      net::detached);
}

net::awaitable<void> JobRunner::Resume() {
  std::function<StatusOr<std::vector<std::string>>()> blocking_2 = [this] {
    return store_.UnfinishedJobs();
  };
  auto ids = co_await Blocking<StatusOr<std::vector<std::string>>>(blocking_2);
  if (!ids.ok()) {
    LOG_ERROR("cannot list unfinished jobs",
              {{"error", ids.status().message()}});
    co_return;
  }
  for (const std::string& id : *ids) {
    std::function<StatusOr<JobRecord>()> blocking_3 = [this, id] {
      return store_.GetJob(id);
    };
    auto record = co_await Blocking<StatusOr<JobRecord>>(blocking_3);
    if (record.ok()) Activate(*record, record->split);
  }
  if (!ids->empty()) {
    LOG_INFO("jobs resumed", {{"jobs", static_cast<uint64_t>(ids->size())}});
  }
}

JobRunner::ActivePtr JobRunner::NextJob() {
  for (size_t n = turn_.size(); n > 0; --n) {
    std::string id = std::move(turn_.front());
    turn_.pop_front();
    auto it = active_.find(id);
    if (it == active_.end()) continue;  // gone: leaves the turn
    turn_.push_back(id);
    if (it->second->may_have_queued) return it->second;
  }
  return nullptr;
}

net::awaitable<void> JobRunner::DispatchLoop() {
  std::vector<Clock::time_point> busy_until(in_flight_.size());
  while (!stopping_) {
    bool started = false;
    for (size_t e = 0; e < in_flight_.size() && !stopping_; ++e) {
      if (in_flight_[e] >= slots_[e]) continue;
      ActivePtr job = NextJob();
      if (!job) break;
      const std::string id = job->spec.id;
      std::function<StatusOr<std::vector<PageTask>>()> blocking_4 = [this, id] {
        return store_.ClaimPages(id, 1, NowMs());
      };
      auto tasks =
          co_await Blocking<StatusOr<std::vector<PageTask>>>(blocking_4);
      if (job->cancelled->load()) continue;
      if (!tasks.ok() || tasks->empty()) {
        job->may_have_queued = false;
        started = true;  // look again at the other jobs
        continue;
      }
      ++in_flight_[e];
      ++job->in_flight;
      Spawn(RunPage(job, tasks->front(), e));
      started = true;
    }
    if (started) continue;
    wake_.expires_at(Clock::time_point::max());
    boost::system::error_code ec;
    co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

net::awaitable<void> JobRunner::Split(ActivePtr job) {
  const std::string id = job->spec.id;
  const std::string path = InputPath(id);
  const JobSpec spec = job->spec;
  auto cancelled = job->cancelled;
  std::function<Status()> blocking_5 = [=, this]() -> Status {
    RETURN_IF_ERROR(store_.ClearPages(id));
    std::vector<std::pair<PageTask, PageInput>> batch;
    int index = 0;
    const auto flush = [&]() -> Status {
      if (batch.empty()) return OkStatus();
      RETURN_IF_ERROR(store_.AddPages(id, batch));
      batch.clear();
      // Pages run as soon as they are stored: the first page's answer
      // does not wait for the last page's split.
      net::post(strand_, [this, id] {
        if (auto it = active_.find(id); it != active_.end()) {
          it->second->may_have_queued = true;
          wake_.cancel();
        }
      });
      return OkStatus();
    };
    const PageSink sink = [&](int page, std::string media_type,
                              std::string bytes) -> Status {
      if (cancelled->load()) return UnavailableError("job cancelled");
      PageTask task;
      task.job_id = id;
      task.index = index++;
      task.page = page;
      batch.emplace_back(std::move(task),
                         PageInput{std::move(media_type), std::move(bytes)});
      if (static_cast<int>(batch.size()) >= kSplitBatch) return flush();
      return OkStatus();
    };
    int count = 0;
    if (IsPaged(spec.media_type) && options_.split) {
      ASSIGN_OR_RETURN(count, options_.split(path, spec.media_type,
                                             ParameterValue(spec, "pages"),
                                             options_.max_pages, sink));
    } else {
      Status read;
      std::string bytes = ReadWholeFile(path, &read);
      RETURN_IF_ERROR(read);
      RETURN_IF_ERROR(sink(1, spec.media_type, std::move(bytes)));
      count = 1;
    }
    RETURN_IF_ERROR(flush());
    return store_.SealSplit(id, count, NowMs());
  };
  const Status outcome = co_await Blocking<Status>(blocking_5);
  if (cancelled->load()) co_return;
  if (!outcome.ok() && outcome.code() != StatusCode::kUnavailable &&
      outcome.code() != StatusCode::kInsufficientStorage) {
    NoteFailure(id, outcome);
    // The document's own fault: the job fails, saying why.
    std::function<StatusOr<JobRecord>()> blocking_6 = [=, this] {
      return store_.FailJob(id, outcome.message(), NowMs());
    };
    auto record = co_await Blocking<StatusOr<JobRecord>>(blocking_6);
    events_.Notify(id);
    if (record.ok()) {
      Ended(*record);
    } else {
      active_.erase(id);
    }
  } else if (!outcome.ok()) {
    LOG_ERROR("job split failed; retried at the next start",
              {{"job_id", id}, {"error", outcome.message()}});
    active_.erase(id);
    co_return;
  } else {
    job->split = true;
    job->may_have_queued = true;
    std::remove(path.c_str());
    events_.Notify(id);
    // A job whose pages all finished before the seal ends here.
    std::function<StatusOr<JobRecord>()> blocking_7 = [=, this] {
      return store_.GetJob(id);
    };
    auto record = co_await Blocking<StatusOr<JobRecord>>(blocking_7);
    if (record.ok() && IsFinal(record->state)) {
      Ended(*record);
    } else if (record.ok()) {
      Track(*record);
    }
  }
  wake_.cancel();
}

net::awaitable<void> JobRunner::RunPage(ActivePtr job, PageTask task,
                                        size_t endpoint) {
  const std::string id = job->spec.id;
  const auto page_start = Clock::now();
  UpdateBacklog();
  std::function<StatusOr<PageInput>()> blocking_8 = [this, id,
                                                     index = task.index] {
    return store_.LoadPageInput(id, index);
  };
  auto input = co_await Blocking<StatusOr<PageInput>>(blocking_8);
  PageResult result;
  result.index = task.index;
  result.page = task.page;
  result.state = PageState::kFailed;
  // Why the page failed, as a synchronous request would have been told.
  StatusCode failure = StatusCode::kBadGateway;
  size_t at = endpoint;
  if (!input.ok()) {
    result.detail = input.status().message();
    failure = input.status().code();
  } else {
    InferInput in;
    in.file = input->bytes;
    in.media_type = input->media_type;
    in.parameters = PageParameters(job->spec, task.page);
    const std::string request_id = id + "-p" + std::to_string(task.page);
    int failures = 0;
    while (!stopping_ && !job->cancelled->load()) {
      const auto deadline = Clock::now() + options_.page_timeout;
      in.timeout_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          options_.page_timeout)
                          .count();
      const ModelRequest request = client_.Encode(in, request_id);
      auto cancel = std::make_shared<CallCanceller>();
      job->calls.insert(cancel);
      const auto start = Clock::now();
      ModelAttempt attempt = co_await client_.InferOnce(at, request, request_id,
                                                        deadline, cancel.get());
      job->calls.erase(cancel);
      if (stopping_ || job->cancelled->load()) break;
      const int status = attempt.reply.status;
      if (attempt.outcome == AttemptOutcome::kUnavailable) {
        // The endpoint's queue is full: not the page's fault; wait a little
        // and offer it to the next endpoint.
        net::steady_timer pause(strand_, kBusyPause);
        boost::system::error_code ec;
        co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
        at = (at + 1) % client_.endpoint_count();
        continue;
      }
      if (attempt.outcome == AttemptOutcome::kOk && status == 200) {
        auto answer = ReadPageAnswer(attempt.reply, job->spec.output);
        if (answer.ok()) {
          result.state = PageState::kSucceeded;
          result.output = std::move(answer->output);
          result.text = std::move(answer->text);
          result.mean_confidence = answer->mean_confidence;
          result.ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          Clock::now() - start)
                          .count();
          result.detail.clear();
          break;
        }
        result.detail = answer.status().message();
      } else if (attempt.outcome == AttemptOutcome::kTooLarge) {
        // Any endpoint would answer the same: final.
        result.detail = attempt.error;
        failure = StatusCode::kBadGateway;
        break;
      } else if (attempt.outcome == AttemptOutcome::kOk && status < 500) {
        // The model's verdict on the page: the same on any endpoint.
        result.detail = ModelErrorMessage(attempt.reply.body);
        failure = FromHttpStatus(status);
        break;
      } else if (attempt.outcome == AttemptOutcome::kOk) {
        failure = status == 504 ? StatusCode::kDeadlineExceeded
                                : StatusCode::kBadGateway;
        result.detail = "model service error " + std::to_string(status) + ": " +
                        ModelErrorMessage(attempt.reply.body);
      } else {
        result.detail = attempt.error.empty()
                            ? std::string(OutcomeName(attempt.outcome))
                            : attempt.error;
        failure = attempt.outcome == AttemptOutcome::kTimeout
                      ? StatusCode::kDeadlineExceeded
                      : StatusCode::kUnavailable;
      }
      // Crashed, timed out, unreachable: once more, on another endpoint.
      if (++failures > 1) break;
      at = (at + 1) % client_.endpoint_count();
    }
  }
  if (!stopping_ && !job->cancelled->load()) {
    if (result.state == PageState::kFailed) {
      NoteFailure(id, ocr::Status(failure, "page " + std::to_string(task.page) +
                                               ": " + result.detail));
    }
    if (options_.metrics) {
      options_.metrics->PageFinished(
          result.state == PageState::kSucceeded,
          std::chrono::duration<double>(Clock::now() - page_start).count());
    }
    co_await Finished(job, std::move(result), at);
  }
  --in_flight_[endpoint];
  --job->in_flight;
  UpdateBacklog();
  wake_.cancel();
}

net::awaitable<void> JobRunner::Finished(ActivePtr job, PageResult result,
                                         size_t endpoint) {
  const std::string id = job->spec.id;
  const std::string url = client_.endpoint(endpoint).url;
  std::function<StatusOr<JobRecord>()> blocking_9 = [this, id, url,
                                                     r = std::move(result)] {
    return store_.FinishPage(id, r, url, NowMs());
  };
  auto record = co_await Blocking<StatusOr<JobRecord>>(blocking_9);
  if (!record.ok()) {
    LOG_ERROR("cannot record a page; it runs again at the next start",
              {{"job_id", id}, {"error", record.status().message()}});
    co_return;
  }
  events_.Notify(id);
  if (IsFinal(record->state)) {
    if (active_.contains(id)) Ended(*record);
  } else {
    Track(*record);
  }
}

net::awaitable<Status> JobRunner::Cancel(const std::string& id) {
  // Named: GCC 12 may destroy a temporary of a co_await expression twice.
  auto stop_pages = [this, id]() -> net::awaitable<void> {
    if (auto it = active_.find(id); it != active_.end()) {
      it->second->cancelled->store(true);
      for (auto& call : it->second->calls) call->Cancel();
      active_.erase(it);
    }
    co_return;
  };
  co_await net::co_spawn(strand_, stop_pages, net::use_awaitable);
  const std::string path = InputPath(id);
  std::function<Status()> blocking_10 = [this, id, path] {
    const Status cancelled = store_.CancelJob(id, NowMs());
    if (!cancelled.ok()) return cancelled;
    std::remove(path.c_str());
    return store_.DeleteJob(id);
  };
  Status status = co_await Blocking<Status>(blocking_10);
  events_.Forget(id);
  Wake();
  co_return status;
}

void JobRunner::NoteFailure(const std::string& id, ocr::Status status) {
  std::lock_guard lock(failures_mu_);
  // Taken by a synchronous request that waits for the job; a job nobody
  // waits for leaves its entry, so the map is emptied now and then.
  if (failures_.size() >= 4096) failures_.clear();
  failures_.emplace(id, std::move(status));
}

ocr::Status JobRunner::TakeFailure(const std::string& id) {
  std::lock_guard lock(failures_mu_);
  const auto it = failures_.find(id);
  if (it == failures_.end()) return OkStatus();
  ocr::Status status = std::move(it->second);
  failures_.erase(it);
  return status;
}

net::awaitable<void> JobRunner::DiscoverEngines() {
  const std::string path = "/v2/models/" + options_.model_name;
  const std::string request_id = "job-runner-engines";
  while (!stopping_) {
    // Asked only while there are jobs: a gateway without them sends its
    // models nothing of its own.
    for (size_t e = 0; e < slots_.size() && !stopping_ && !active_.empty();
         ++e) {
      const auto deadline = Clock::now() + std::chrono::seconds(2);
      ModelAttempt attempt =
          co_await client_.GetOnce(e, path, request_id, deadline);
      if (attempt.outcome != AttemptOutcome::kOk ||
          attempt.reply.status != 200) {
        continue;
      }
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      int64_t engines = 0;
      if (parser.parse(attempt.reply.body).get(doc) == simdjson::SUCCESS &&
          doc.at_pointer("/parameters/engines").get_int64().get(engines) ==
              simdjson::SUCCESS &&
          engines > 0 && engines <= 1024 && slots_[e] != engines) {
        LOG_INFO("model endpoint engines",
                 {{"endpoint", client_.endpoint(e).url}, {"engines", engines}});
        slots_[e] = static_cast<int>(engines);
        wake_.cancel();
      }
    }
    // Every 30 s while jobs run; at once when the first job comes.
    discovery_timer_.expires_after(active_.empty() ? std::chrono::hours(24)
                                                   : std::chrono::seconds(30));
    boost::system::error_code ec;
    co_await discovery_timer_.async_wait(
        net::redirect_error(net::use_awaitable, ec));
  }
}

net::awaitable<void> JobRunner::RetentionLoop() {
  const auto period =
      std::clamp(options_.retention / 10, std::chrono::milliseconds(200),
                 std::chrono::milliseconds(60000));
  net::steady_timer& timer = retention_timer_;
  while (!stopping_) {
    const int64_t before = NowMs() - options_.retention.count();
    std::function<StatusOr<std::vector<std::string>>()> blocking_11 =
        [this, before] { return store_.ExpiredJobs(before); };
    auto expired =
        co_await Blocking<StatusOr<std::vector<std::string>>>(blocking_11);
    if (expired.ok()) {
      for (const std::string& id : *expired) {
        std::function<Status()> blocking_12 = [this, id] {
          return store_.DeleteJob(id);
        };
        const Status s = co_await Blocking<Status>(blocking_12);
        if (s.ok()) {
          events_.Forget(id);
          LOG_INFO("job expired and deleted", {{"job_id", id}});
        }
      }
    }
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

}  // namespace ocr::jobs
