// One HTTP exchange of `ocr` with its retries: sends a request, tries again
// after a transient failure (retry.h decides, with backoff and Retry-After),
// and reports each retry on the progress output.
#pragma once

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/cli_options.h"
#include "cli/progress.h"
#include "cli/retry.h"
#include "common/http_client.h"

namespace ocr::cli {

struct Call {
  http::verb verb = http::verb::get;
  std::string target;
  std::string content_type;  // "" = none (no body)
  std::string accept;        // "" = no Accept header
  std::string_view body;     // must outlive the call
  std::vector<std::pair<std::string, std::string>> headers;  // more headers
  RequestKind kind = RequestKind::kOther;
  // Added to --timeout for each attempt (a long poll's wait).
  double extra_seconds = 0;
};

struct CallOutcome {
  Verdict verdict = Verdict::kFinal;
  HttpAttempt attempt;  // the last one
  // What went wrong, for a FAIL line ("415 <detail>", "cannot connect:
  // ...", with "(after N attempts)" when retried); "" on success.
  std::string message;
};

// What went wrong in one attempt: "415 <the server's detail>", "no answer
// within 300 s", "cannot connect: ...", "connection lost: ...".
std::string DescribeAttempt(const HttpAttempt& attempt, double timeout_seconds);

class Caller {
 public:
  // Not owned; all must outlive the caller.
  Caller(const CliOptions& options, HttpClient& client, Progress& progress);

  // Sends `call` for `input` (named in retry lines) until it succeeds, its
  // failure is final, or --retries retries are spent.
  net::awaitable<CallOutcome> Send(std::string_view input, const Call& call);

  // Waits `delay` (a backoff) on the current executor.
  static net::awaitable<void> Sleep(std::chrono::milliseconds delay);

  // A backoff before retry number `retry`, honouring Retry-After of the
  // attempt's answer.
  std::chrono::milliseconds Backoff(int retry, const HttpAttempt& attempt);

 private:
  const CliOptions& options_;
  HttpClient& client_;
  Progress& progress_;
  std::mt19937 rng_;
};

}  // namespace ocr::cli
