// The client's side of the gateway's jobs API: which inputs are jobs, keys,
// targets and the decisions.
#include "cli/jobs_protocol.h"

#include <openssl/evp.h>

#include <cstdint>

#include "cli/ocr_request.h"
#include "common/image_format.h"

namespace ocr::cli {
namespace {

constexpr std::string_view kJobsPath = "/gateway/jobs/";

}  // namespace

bool IsDocument(std::string_view bytes) {
  const ImageFormat* format = SniffImageFormat(bytes);
  return format != nullptr && format->paged;
}

bool SendsAsJob(const CliOptions& options, std::string_view bytes) {
  if (options.api != Api::kGateway) return false;
  switch (options.use_jobs) {
    case JobsMode::kAlways:
      return true;
    case JobsMode::kNever:
      return false;
    case JobsMode::kAuto:
      return IsDocument(bytes);
  }
  return false;
}

std::string IdempotencyKey(const CliOptions& options, std::string_view bytes) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  // Each part preceded by its length: no two requests hash the same parts.
  const auto add = [md](std::string_view part) {
    const uint64_t size = part.size();
    EVP_DigestUpdate(md, &size, sizeof size);
    EVP_DigestUpdate(md, part.data(), part.size());
  };
  add(bytes);
  add(GatewayQuery(options));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_DigestFinal_ex(md, digest, &size);
  EVP_MD_CTX_free(md);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "ocr-cli-";
  for (unsigned i = 0; i < size; ++i) {
    key += kHex[digest[i] >> 4];
    key += kHex[digest[i] & 15];
  }
  return key;
}

std::string SubmitJobTarget(const CliOptions& options) {
  return "/gateway/jobs" + GatewayQuery(options);
}

std::string JobTarget(std::string_view id) {
  return std::string(kJobsPath) + std::string(id);
}

std::string JobStatusTarget(std::string_view id, int wait_seconds) {
  std::string target = JobTarget(id);
  if (wait_seconds > 0) target += "?wait=" + std::to_string(wait_seconds);
  return target;
}

std::string JobResultTarget(std::string_view id) {
  return JobTarget(id) + "/result";
}

ReplayAction OnReplayedJob(JobState state, bool force) {
  if (!IsFinal(state)) return ReplayAction::kUse;
  if (state == JobState::kSucceeded && !force) return ReplayAction::kUse;
  return ReplayAction::kResubmit;
}

std::string JobProblem(const JobStatus& s) {
  std::string out = "job " + s.id + " " +
                    (s.state == JobState::kPartiallySucceeded
                         ? std::string("partially succeeded")
                         : std::string(JobStateName(s.state)));
  if (s.pages_failed > 0) {
    out += ": " + std::to_string(s.pages_failed) + " of " +
           std::to_string(s.pages_total) +
           (s.pages_total == 1 ? " page failed" : " pages failed");
  }
  if (!s.detail.empty()) out += (s.pages_failed > 0 ? "; " : ": ") + s.detail;
  if (!s.errors.empty()) {
    out += " (";
    for (size_t i = 0; i < s.errors.size() && i < 3; ++i) {
      if (i > 0) out += "; ";
      out += "page " + std::to_string(s.errors[i].page) + ": " +
             s.errors[i].detail;
    }
    if (s.errors.size() > 3) out += "; ...";
    out += ")";
  }
  return out;
}

}  // namespace ocr::cli
