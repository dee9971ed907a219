#include "model_server/core/admission.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ocr {
namespace {

// How much a new measurement moves the mean: about the last five units.
constexpr double kWeightOfNewest = 0.2;

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", s);
  return text;
}

double Pages(const std::vector<QueuedWork>& queue) {
  double pages = 0;
  for (const QueuedWork& q : queue) pages += q.pages;
  return pages;
}

}  // namespace

void PageTime::Record(double seconds, double pages) {
  if (pages <= 0 || seconds < 0) return;
  const double per_page = seconds / pages;
  seconds_ = seconds_ <= 0 ? per_page
                           : (1 - kWeightOfNewest) * seconds_ +
                                 kWeightOfNewest * per_page;
}

bool RunsBefore(const QueuedWork& a, const QueuedWork& b) {
  if (a.deadline != b.deadline) return a.deadline < b.deadline;
  return a.arrival < b.arrival;
}

double SecondsLeft(Clock::time_point deadline, Clock::time_point now) {
  if (deadline == Clock::time_point::max()) {
    return std::numeric_limits<double>::infinity();
  }
  return std::chrono::duration<double>(deadline - now).count();
}

std::vector<double> EstimateFinish(const std::vector<QueuedWork>& queue,
                                   const EngineLoad& load) {
  std::vector<double> finish(queue.size(), 0);
  const double t = load.page_seconds;
  if (t <= 0) return finish;
  const double engines = std::max(1, load.engines);
  double ahead = load.running_seconds;
  for (size_t i = 0; i < queue.size(); ++i) {
    const double own = queue[i].pages * t;
    finish[i] =
        ahead / engines + std::max(own / engines, queue[i].longest_unit * t);
    ahead += own;
  }
  return finish;
}

std::vector<size_t> Unreachable(const std::vector<QueuedWork>& queue,
                                const EngineLoad& load) {
  std::vector<size_t> out;
  const double t = load.page_seconds;
  if (t <= 0) return out;
  const double engines = std::max(1, load.engines);
  double ahead = load.running_seconds;
  for (size_t i = 0; i < queue.size(); ++i) {
    const double own = queue[i].pages * t;
    const double finish =
        ahead / engines + std::max(own / engines, queue[i].longest_unit * t);
    // The only request, on idle engines, keeps its chance: shedding it
    // frees nothing for anyone; its deadline decides.
    const bool alone = queue.size() == 1 && load.running_seconds <= 0;
    if (!alone && finish > SecondsLeft(queue[i].deadline, load.now)) {
      out.push_back(i);
      continue;
    }
    ahead += own;
  }
  return out;
}

std::string QueueFullMessage(const std::vector<QueuedWork>& queue,
                             const QueuedWork& candidate,
                             const EngineLoad& load, const std::string& why) {
  const double waiting = Pages(queue);
  std::string out =
      "queue full: " + std::to_string(std::lround(waiting)) + " pages waiting";
  if (load.page_seconds > 0) {
    const double work = (load.running_seconds + waiting * load.page_seconds) /
                        std::max(1, load.engines);
    out += ", about " + Seconds(work) + " s of work for " +
           std::to_string(load.engines) + " engines";
  }
  const double left = SecondsLeft(candidate.deadline, load.now);
  if (std::isfinite(left)) out += ", deadline " + Seconds(left) + " s";
  return out + ": " + why + "; retry later";
}

Status CheckAdmission(const std::vector<QueuedWork>& queue,
                      const QueuedWork& candidate, const EngineLoad& load,
                      double max_queue_pages) {
  const double waiting = Pages(queue);
  if (waiting > 0 && waiting + candidate.pages > max_queue_pages) {
    return UnavailableError(QueueFullMessage(
        queue, candidate, load,
        "this request's " + std::to_string(std::lround(candidate.pages)) +
            " pages would pass --max-queue (" +
            std::to_string(std::lround(max_queue_pages)) + " pages)"));
  }
  if (load.page_seconds <= 0) return OkStatus();
  const auto at =
      std::upper_bound(queue.begin(), queue.end(), candidate, RunsBefore);
  const size_t pos = static_cast<size_t>(at - queue.begin());
  std::vector<QueuedWork> with = queue;
  with.insert(with.begin() + static_cast<std::ptrdiff_t>(pos), candidate);
  const std::vector<double> before = EstimateFinish(queue, load);
  const std::vector<double> after = EstimateFinish(with, load);
  // On idle engines a request is always admitted: nobody is ahead of it, so
  // a retry would not help; its own deadline decides (504).
  const bool idle = queue.empty() && load.running_seconds <= 0;
  if (!idle &&
      after[pos] * kHeadroom > SecondsLeft(candidate.deadline, load.now)) {
    return UnavailableError(QueueFullMessage(
        queue, candidate, load,
        "this request's " + std::to_string(std::lround(candidate.pages)) +
            " pages would be done in about " + Seconds(after[pos]) +
            " s, past its deadline"));
  }
  for (size_t j = pos; j < queue.size(); ++j) {
    const double left = SecondsLeft(queue[j].deadline, load.now);
    if (before[j] <= left && after[j + 1] > left) {
      return UnavailableError(QueueFullMessage(
          queue, candidate, load,
          "its earlier deadline would put it ahead of an admitted request "
          "that would then miss its own"));
    }
  }
  return OkStatus();
}

}  // namespace ocr
