#include "gateway/jobs/job_json.h"

#include <cstdio>
#include <ctime>

#include "common/json_writer.h"

namespace ocr::jobs {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

std::string FormatTime(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::optional<double> EtaSeconds(const JobRecord& job, int64_t now_ms) {
  const int finished = job.pages_done + job.pages_failed;
  if (IsFinal(job.state) || !job.split || finished == 0) return std::nullopt;
  const double elapsed = static_cast<double>(now_ms - job.created_ms) / 1000;
  const double per_page = elapsed / finished;
  return per_page * (job.pages_total - finished);
}

std::string JobStatusJson(const JobRecord& job, int64_t now_ms) {
  const std::string& id = job.spec.id;
  std::string out = "{\"id\":";
  json::AppendString(out, id);
  out += ",\"status\":";
  json::AppendString(out, Name(job.state));
  out += ",\"pages_total\":" + std::to_string(job.pages_total);
  out += ",\"pages_done\":" + std::to_string(job.pages_done);
  out += ",\"pages_failed\":" + std::to_string(job.pages_failed);
  out += ",\"created\":";
  json::AppendString(out, FormatTime(job.created_ms));
  out += ",\"updated\":";
  json::AppendString(out, FormatTime(job.updated_ms));
  out += ",\"finished\":";
  if (job.finished_ms > 0) {
    json::AppendString(out, FormatTime(job.finished_ms));
  } else {
    out += "null";
  }
  out += ",\"eta_seconds\":";
  const auto eta = EtaSeconds(job, now_ms);
  out += eta ? Number(*eta) : std::string("null");
  out += ",\"errors\":[";
  for (size_t i = 0; i < job.errors.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "{\"page\":" + std::to_string(job.errors[i].page) + ",\"detail\":";
    json::AppendString(out, job.errors[i].detail);
    out += "}";
  }
  out += "],\"filename\":";
  json::AppendString(out, job.spec.filename);
  out += ",\"media_type\":";
  json::AppendString(out, job.spec.media_type);
  out += ",\"output\":";
  json::AppendString(out, job.spec.output);
  if (!job.detail.empty()) {
    out += ",\"detail\":";
    json::AppendString(out, job.detail);
  }
  const std::string self = "/gateway/jobs/" + id;
  out += ",\"links\":{\"self\":\"" + self + "\",\"pages\":\"" + self +
         "/pages\",\"result\":\"" + self + "/result\"}}";
  return out;
}

std::string PageRecordJson(const PageResult& page) {
  const bool ok = page.state == PageState::kSucceeded;
  std::string out = "{\"page\":" + std::to_string(page.page) + ",\"status\":";
  json::AppendString(out, ok ? "succeeded" : "failed");
  if (ok) {
    out += ",\"text\":";
    json::AppendString(out, page.text);
  } else {
    out += ",\"detail\":";
    json::AppendString(out, page.detail);
  }
  out += ",\"mean_confidence\":";
  if (page.mean_confidence) {
    out += Number(*page.mean_confidence);
  } else {
    out += "null";
  }
  out += ",\"ms\":" + std::to_string(page.ms) + "}";
  return out;
}

}  // namespace ocr::jobs
