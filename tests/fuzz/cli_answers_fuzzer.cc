// Fuzzes what the `ocr` client reads from a gateway (src/cli/): the job
// status document (ParseJobStatus), the job a Location header names
// (JobIdFromLocation), Retry-After (ParseRetryAfter) and the verdict on a
// 504 from /gateway/ocr carrying that Location (ClassifyAttempt).
//
// Each gets the whole input, then each of its lines. Besides "no crash, no
// sanitizer report", the headers' promises are checked: a parsed status has
// a valid id and counts in range, and re-written as the gateway writes it
// parses to the same values; a Location's job id is valid and found again
// in "/gateway/jobs/<id>"; a Retry-After is 0..24 h; a 504 is followed as a
// job exactly when its Location names one, and is final otherwise.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/job_status.h"
#include "cli/retry.h"
#include "common/json_writer.h"
#include "fuzz_check.h"

namespace {

using ocr::cli::JobStatus;

// The status as src/gateway/jobs/job_json.cc writes it.
std::string Rewrite(const JobStatus& s) {
  std::string out = "{\"id\":";
  ocr::json::AppendString(out, s.id);
  out += ",\"status\":";
  ocr::json::AppendString(out, ocr::cli::JobStateName(s.state));
  out += ",\"pages_total\":" + std::to_string(s.pages_total) +
         ",\"pages_done\":" + std::to_string(s.pages_done) +
         ",\"pages_failed\":" + std::to_string(s.pages_failed) +
         ",\"eta_seconds\":";
  if (s.eta_seconds) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", *s.eta_seconds);
    out += buf;
  } else {
    out += "null";
  }
  out += ",\"errors\":[";
  for (size_t i = 0; i < s.errors.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"page\":" + std::to_string(s.errors[i].page) + ",\"detail\":";
    ocr::json::AppendString(out, s.errors[i].detail);
    out += "}";
  }
  out += "]";
  if (!s.detail.empty()) {
    out += ",\"detail\":";
    ocr::json::AppendString(out, s.detail);
  }
  return out + "}";
}

void FuzzStatus(std::string_view input) {
  auto status = ocr::cli::ParseJobStatus(input);
  if (!status.ok()) {
    FUZZ_CHECK_REFUSAL(status.status());
    return;
  }
  const JobStatus& s = *status;
  FUZZ_CHECK(ocr::cli::ValidJobId(s.id));
  FUZZ_CHECK(s.pages_total >= 0 && s.pages_done >= 0 && s.pages_failed >= 0);
  FUZZ_CHECK(!s.eta_seconds || *s.eta_seconds >= 0);
  for (const auto& e : s.errors) FUZZ_CHECK(e.page >= 0);
  auto again = ocr::cli::ParseJobStatus(Rewrite(s));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->id == s.id && again->state == s.state);
  FUZZ_CHECK(again->pages_total == s.pages_total &&
             again->pages_done == s.pages_done &&
             again->pages_failed == s.pages_failed);
  FUZZ_CHECK(again->eta_seconds.has_value() == s.eta_seconds.has_value());
  FUZZ_CHECK(!s.eta_seconds || *again->eta_seconds == *s.eta_seconds);
  FUZZ_CHECK(again->detail == s.detail);
  FUZZ_CHECK(again->errors.size() == s.errors.size());
  for (size_t i = 0; i < s.errors.size(); ++i) {
    FUZZ_CHECK(again->errors[i].page == s.errors[i].page);
    FUZZ_CHECK(again->errors[i].detail == s.errors[i].detail);
  }
}

void FuzzLocation(std::string_view input) {
  const auto id = ocr::cli::JobIdFromLocation(input);
  if (id) {
    FUZZ_CHECK(ocr::cli::ValidJobId(*id));
    FUZZ_CHECK(input.ends_with("/gateway/jobs/" + *id));
    FUZZ_CHECK(ocr::cli::JobIdFromLocation("/gateway/jobs/" + *id) == id);
  }
  // The verdict on /gateway/ocr's 504 with this Location (a header value
  // holds no line break: beast refuses one).
  if (input.find_first_of("\r\n") != std::string_view::npos) return;
  ocr::HttpAttempt attempt;
  attempt.response.result(504);
  attempt.response.set(ocr::http::field::location, input);
  const auto verdict =
      ocr::cli::ClassifyAttempt(attempt, ocr::cli::RequestKind::kGatewayOcr);
  // The header holds the value less surrounding whitespace (Beast trims it).
  const bool names_job =
      ocr::cli::JobIdFromLocation(attempt.response[ocr::http::field::location])
          .has_value();
  FUZZ_CHECK(verdict == (names_job ? ocr::cli::Verdict::kFollowJob
                                   : ocr::cli::Verdict::kFinal));
  FUZZ_CHECK(!id || names_job);
}

void FuzzRetryAfter(std::string_view input) {
  const auto delay = ocr::cli::ParseRetryAfter(input);
  if (delay) {
    FUZZ_CHECK(delay->count() >= 0 && delay->count() <= 24 * 3600 * 1000);
  }
}

void FuzzAll(std::string_view input) {
  FuzzStatus(input);
  FuzzLocation(input);
  FuzzRetryAfter(input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzAll(input);
  for (size_t start = 0; start <= input.size();) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    if (start > 0 || end < input.size()) {
      FuzzAll(input.substr(start, end - start));
    }
    start = end + 1;
  }
  return 0;
}
