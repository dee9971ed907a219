// Job records beside results: written with results.h's atomic write, read
// with simdjson.
#include "cli/job_sidecar.h"

#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "cli/jobs_protocol.h"
#include "cli/results.h"
#include "common/json_writer.h"

namespace ocr::cli {

fs::path SidecarPath(const fs::path& result) {
  std::string name(1, '.');  // appended: GCC 12 warns falsely otherwise
  name += result.filename().string();
  name += ".ocr-job";
  return result.parent_path() / name;
}

std::string RenderSidecar(const JobSidecar& s) {
  std::string out = "{\"job\":";
  json::AppendString(out, s.job_id);
  out += ",\"gateway\":";
  json::AppendString(out, s.gateway);
  out += ",\"key\":";
  json::AppendString(out, s.key);
  out += "}\n";
  return out;
}

std::optional<JobSidecar> ParseSidecar(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::string_view job, gateway, key;
  if (doc["job"].get_string().get(job) != simdjson::SUCCESS ||
      doc["gateway"].get_string().get(gateway) != simdjson::SUCCESS ||
      doc["key"].get_string().get(key) != simdjson::SUCCESS ||
      !ValidJobId(job)) {
    return std::nullopt;
  }
  return JobSidecar{std::string(job), std::string(gateway), std::string(key)};
}

std::optional<std::string> RecordedJob(const fs::path& path,
                                       std::string_view gateway,
                                       std::string_view key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  const auto sidecar = ParseSidecar(text.str());
  if (!sidecar || sidecar->gateway != gateway || sidecar->key != key) {
    return std::nullopt;
  }
  return sidecar->job_id;
}

Status RecordJob(const fs::path& path, const JobSidecar& sidecar) {
  return WriteFileAtomically(path, RenderSidecar(sidecar));
}

void ForgetJob(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace ocr::cli
