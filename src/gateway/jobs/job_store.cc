// The job store interface's free functions: state names and finality.
#include "gateway/jobs/job_store.h"

namespace ocr::jobs {

std::string_view Name(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kPartiallySucceeded:
      return "partially_succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

bool IsFinal(JobState state) {
  return state != JobState::kQueued && state != JobState::kRunning;
}

std::string_view Name(PageState state) {
  switch (state) {
    case PageState::kQueued:
      return "queued";
    case PageState::kRunning:
      return "running";
    case PageState::kSucceeded:
      return "succeeded";
    case PageState::kFailed:
      return "failed";
  }
  return "unknown";
}

}  // namespace ocr::jobs
