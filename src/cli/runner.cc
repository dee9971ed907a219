#include "cli/runner.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/caller.h"
#include "cli/inputs.h"
#include "cli/job_flow.h"
#include "cli/jobs_protocol.h"
#include "cli/ocr_request.h"
#include "cli/progress.h"
#include "cli/results.h"
#include "cli/retry.h"
#include "common/http_client.h"

namespace ocr::cli {
namespace {

StatusOr<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (!in || !(bytes << in.rdbuf())) {
    // An empty file reads as a failed <<; the server says what is wrong.
    std::error_code ec;
    if (in && fs::file_size(path, ec) == 0 && !ec) return std::string();
    return InternalError("cannot read the file");
  }
  return std::move(bytes).str();
}

class Batch {
 public:
  Batch(const CliOptions& options, Progress& progress,
        std::vector<PlannedFile> work)
      : options_(options),
        progress_(progress),
        work_(std::move(work)),
        client_(ioc_.get_executor(), ClientOptions(options)),
        caller_(options, client_, progress),
        jobs_(options, caller_, progress),
        tick_(ioc_),
        signals_(ioc_, SIGINT, SIGTERM) {}

  // Blocks until every file is finished or a signal arrives; true when
  // interrupted.
  bool Run(bool redraw) {
    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      interrupted_ = true;
      ioc_.stop();
    });
    const size_t workers =
        std::min(work_.size(), static_cast<size_t>(options_.jobs));
    active_ = workers;
    for (size_t i = 0; i < workers; ++i) Spawn(Worker());
    if (workers == 0) signals_.cancel();
    if (redraw && workers > 0) Spawn(Ticker());
    ioc_.run();
    return interrupted_;
  }

 private:
  static HttpClientOptions ClientOptions(const CliOptions& o) {
    HttpClientOptions c;
    const auto timeout = std::chrono::milliseconds(
        static_cast<int64_t>(o.timeout_seconds * 1000));
    c.connect_timeout = std::min(timeout, std::chrono::milliseconds(10000));
    c.max_idle_per_endpoint = static_cast<size_t>(o.jobs);
    c.max_response_bytes = 512ull << 20;
    return c;
  }

  void Spawn(net::awaitable<void> task) {
    net::co_spawn(ioc_, std::move(task), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }

  net::awaitable<void> Worker() {
    while (next_ < work_.size()) {
      const PlannedFile& file = work_[next_++];
      co_await Process(file);
    }
    if (--active_ == 0) {
      tick_.cancel();
      signals_.cancel();
    }
  }

  net::awaitable<void> Ticker() {
    while (active_ > 0) {
      progress_.Tick();
      tick_.expires_after(std::chrono::milliseconds(250));
      boost::system::error_code ec;
      co_await tick_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
  }

  net::awaitable<void> Process(const PlannedFile& file) {
    const std::string input = file.input.path.string();
    const auto start = Clock::now();
    auto bytes = ReadWholeFile(file.input.path);
    if (!bytes.ok()) {
      progress_.Fail(input, bytes.status().message());
      co_return;
    }
    if (SendsAsJob(options_, *bytes) && jobs_.available()) {
      if (co_await jobs_.Run(file, *bytes, start)) co_return;
    }
    const bool gateway = options_.api == Api::kGateway;
    const PreparedRequest request =
        gateway ? BuildGatewayRequest(
                      options_, file.input.path.filename().string(), *bytes)
                : BuildModelRequest(options_, *bytes);
    Call call;
    call.verb = http::verb::post;
    call.target = request.target;
    call.content_type = request.content_type;
    call.accept = request.accept;
    call.body = request.body;
    call.kind = gateway ? RequestKind::kGatewayOcr : RequestKind::kOther;
    const CallOutcome sent = co_await caller_.Send(input, call);
    if (sent.verdict == Verdict::kSuccess) {
      Finish(file, sent.attempt, start);
    } else if (sent.verdict == Verdict::kFollowJob) {
      // A document the gateway went on reading as a job: follow it.
      co_await jobs_.Follow(
          file, *bytes,
          *JobIdFromLocation(sent.attempt.response[http::field::location]),
          start);
    } else {
      progress_.Fail(input, sent.message);
    }
  }

  void Finish(const PlannedFile& file, const HttpAttempt& a,
              Clock::time_point start) {
    const std::string input = file.input.path.string();
    auto result = ExtractResult(options_, a.response);
    if (!result.ok()) return progress_.Fail(input, result.status().message());
    Status written = WriteFileAtomically(file.result, *result);
    if (!written.ok()) return progress_.Fail(input, written.message());
    progress_.Ok(input, file.result.string(),
                 std::chrono::duration<double>(Clock::now() - start).count());
  }

  const CliOptions& options_;
  Progress& progress_;
  std::vector<PlannedFile> work_;
  net::io_context ioc_{1};
  HttpClient client_;
  Caller caller_;
  JobFlow jobs_;
  net::steady_timer tick_;
  net::signal_set signals_;
  size_t next_ = 0;
  size_t active_ = 0;
  bool interrupted_ = false;
};

// Whether `err` is a terminal that understands redrawing, and its width.
bool IsTerminal(std::FILE* err, size_t* width) {
  const int fd = fileno(err);
  const char* term = std::getenv("TERM");
  if (fd < 0 || !isatty(fd) ||
      (term != nullptr && std::string_view(term) == "dumb")) {
    return false;
  }
  winsize ws{};
  *width = ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
  return true;
}

}  // namespace

int Run(const CliOptions& options, std::FILE* err) {
  const fs::path output_dir(options.output_dir);
  Discovered found = DiscoverInputs(options.inputs, output_dir);
  size_t width = 80;
  const bool terminal = IsTerminal(err, &width);
  Progress progress(err, terminal, options.quiet, width,
                    found.files.size() + found.problems.size());
  progress.set_document_interval(options.progress_interval);
  for (const InputProblem& problem : found.problems) {
    progress.Fail(problem.path, problem.message);
  }
  std::vector<PlannedFile> work;
  for (PlannedFile& file :
       PlanResults(found.files, options.format, output_dir)) {
    if (!file.conflict.empty()) {
      progress.Fail(file.input.path.string(), file.conflict);
    } else if (!options.force &&
               ResultIsCurrent(file.input.path, file.result)) {
      progress.Skip(file.input.path.string());
    } else {
      work.push_back(std::move(file));
    }
  }
  Batch batch(options, progress, std::move(work));
  const bool interrupted = batch.Run(terminal);
  const Counts& counts = progress.Finish();
  if (interrupted) {
    std::fputs(
        options.api == Api::kGateway
            ? "interrupted: the files not reported above were not done; "
              "their jobs go on, and the next run picks them up\n"
            : "interrupted: the files not reported above were not done\n",
        err);
    return kExitInterrupted;
  }
  return counts.failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace ocr::cli
