// The job status document (parsed with simdjson) and job ids.
#include "cli/job_status.h"

#include <simdjson.h>

#include <array>
#include <cstdint>

namespace ocr::cli {
namespace {

struct StateName {
  JobState state;
  std::string_view name;
};

constexpr std::array<StateName, 6> kStates = {{
    {JobState::kQueued, "queued"},
    {JobState::kRunning, "running"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kPartiallySucceeded, "partially_succeeded"},
    {JobState::kFailed, "failed"},
    {JobState::kCancelled, "cancelled"},
}};

constexpr std::string_view kJobsPath = "/gateway/jobs/";

// An integer member >= 0; `fallback` when absent or of another type.
int Count(simdjson::dom::element doc, std::string_view key, int fallback) {
  int64_t value = 0;
  if (doc[key].get_int64().get(value) != simdjson::SUCCESS || value < 0 ||
      value > (int64_t{1} << 30)) {
    return fallback;
  }
  return static_cast<int>(value);
}

}  // namespace

std::optional<JobState> ParseJobState(std::string_view name) {
  for (const StateName& s : kStates) {
    if (s.name == name) return s.state;
  }
  return std::nullopt;
}

std::string_view JobStateName(JobState state) {
  for (const StateName& s : kStates) {
    if (s.state == state) return s.name;
  }
  return "queued";
}

bool IsFinal(JobState state) {
  return state != JobState::kQueued && state != JobState::kRunning;
}

StatusOr<JobStatus> ParseJobStatus(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS ||
      !doc.is_object()) {
    return InvalidArgumentError("the job's status is not a JSON object");
  }
  JobStatus s;
  std::string_view text;
  if (doc["id"].get_string().get(text) != simdjson::SUCCESS ||
      !ValidJobId(text)) {
    return InvalidArgumentError("the job's status has no valid id");
  }
  s.id = std::string(text);
  std::optional<JobState> state;
  if (doc["status"].get_string().get(text) == simdjson::SUCCESS) {
    state = ParseJobState(text);
  }
  if (!state) {
    return InvalidArgumentError("the job's status has no known status");
  }
  s.state = *state;
  s.pages_total = Count(doc, "pages_total", 0);
  s.pages_done = Count(doc, "pages_done", 0);
  s.pages_failed = Count(doc, "pages_failed", 0);
  double eta = 0;
  if (doc["eta_seconds"].get_double().get(eta) == simdjson::SUCCESS &&
      eta >= 0) {
    s.eta_seconds = eta;
  }
  if (doc["detail"].get_string().get(text) == simdjson::SUCCESS) {
    s.detail = std::string(text);
  }
  simdjson::dom::array errors;
  if (doc["errors"].get_array().get(errors) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : errors) {
      PageError error;
      error.page = Count(e, "page", 0);
      if (e["detail"].get_string().get(text) == simdjson::SUCCESS) {
        error.detail = std::string(text);
      }
      s.errors.push_back(std::move(error));
    }
  }
  return s;
}

bool ValidJobId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'z';
    if (!digit && !lower) return false;
  }
  return true;
}

std::optional<std::string> JobIdFromLocation(std::string_view location) {
  const size_t at = location.rfind(kJobsPath);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view before = location.substr(0, at);
  // A path, or an absolute http URL whose path starts there.
  const bool path_only = before.empty();
  const bool absolute = before.starts_with("http://") &&
                        before.find('/', 7) == std::string_view::npos &&
                        before.size() > 7;
  if (!path_only && !absolute) return std::nullopt;
  const std::string_view id = location.substr(at + kJobsPath.size());
  if (!ValidJobId(id)) return std::nullopt;
  return std::string(id);
}

}  // namespace ocr::cli
