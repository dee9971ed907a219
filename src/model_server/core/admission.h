// Admission by work, not by requests: whether the engines can finish a
// request's pages before its deadline, given the pages admitted ahead of it,
// from the engine time a page has been taking (the Scheduler's arithmetic,
// apart so that it can be tested alone).
//
// The model: E engines take the waiting pages in earliest-deadline-first
// order (ties: arrival); the units running now hold their engine for the
// rest of their estimated time. A request starts when the work ahead of it
// (running rest + pages of earlier deadlines, in engine-seconds) is spread
// over the E engines, and then takes max(its pages / E, its longest unit)
// page-times. Until a page has been measured every deadline looks reachable
// and only --max-queue limits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// An exponentially weighted mean of the engine seconds one page takes.
class PageTime {
 public:
  // A unit of `pages` pages took `seconds` on one engine.
  void Record(double seconds, double pages);
  // 0 until a page was measured.
  double seconds() const { return seconds_; }

 private:
  double seconds_ = 0;
};

// The engines' state the estimate starts from.
struct EngineLoad {
  Clock::time_point now;
  int engines = 1;
  double page_seconds = 0;     // PageTime::seconds(); 0: unknown
  double running_seconds = 0;  // engine-seconds left of the units running
};

// One request's pages not yet handed to an engine.
struct QueuedWork {
  Clock::time_point deadline = Clock::time_point::max();
  uint64_t arrival = 0;
  double pages = 0;         // waiting
  double longest_unit = 0;  // pages of its largest waiting unit
  bool started = false;     // a page of it went to an engine
};

// Admission wants a request's estimated time to fit its deadline this many
// times over: page times vary (a shared machine, harder pages), and a
// request admitted on the edge is the one that comes too late.
inline constexpr double kHeadroom = 1.25;

// Earliest deadline first; ties (and no deadline) by arrival.
bool RunsBefore(const QueuedWork& a, const QueuedWork& b);

// Seconds from load.now until each request of `queue` (in RunsBefore
// order) would be done; 0 for all when the page time is unknown.
std::vector<double> EstimateFinish(const std::vector<QueuedWork>& queue,
                                   const EngineLoad& load);

// Indices (ascending) of the requests of `queue` (in RunsBefore order)
// estimated to be done past their deadline, the work of those no longer
// counting ahead of the others: the scheduler drops their waiting pages
// rather than spend engines on answers that would come too late (refused
// with 503 when none had started, else 504). None while the page time is
// unknown.
std::vector<size_t> Unreachable(const std::vector<QueuedWork>& queue,
                                const EngineLoad& load);

// Seconds from load.now to `deadline`; +inf for none.
double SecondsLeft(Clock::time_point deadline, Clock::time_point now);

// OK when `candidate` may join `queue` (in RunsBefore order): kUnavailable
// ("queue full: ...") when the pages waiting would pass `max_queue_pages`
// (unless none wait: a request alone is served whatever its size), when it
// could not finish before its deadline with kHeadroom to spare, or when it
// would make an admitted request that can still finish in time miss its
// deadline.
Status CheckAdmission(const std::vector<QueuedWork>& queue,
                      const QueuedWork& candidate, const EngineLoad& load,
                      double max_queue_pages);

// The refusal's detail: "queue full: N pages waiting, about S s of work for
// E engines, deadline D s" and why.
std::string QueueFullMessage(const std::vector<QueuedWork>& queue,
                             const QueuedWork& candidate,
                             const EngineLoad& load, const std::string& why);

}  // namespace ocr
