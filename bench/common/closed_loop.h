// What both load programs share: a closed-loop driver (C workers, each
// issuing its next request as soon as the last one ends), percentiles, and
// CPU time from getrusage.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ocr::bench {

struct LoopResult {
  std::vector<double> latencies_ms;  // successful requests, sorted
  long errors = 0;
  double seconds = 0;  // wall time of the whole loop
};

// Runs `workers` threads for `seconds`, or until `requests` were issued (0:
// no count limit). Each thread calls `make_worker` once (to open its own
// connection, say) and then the returned function per request; it returns
// whether the request succeeded.
inline LoopResult RunClosedLoop(
    int workers, double seconds, long requests,
    const std::function<std::function<bool()>()>& make_worker) {
  using Clock = std::chrono::steady_clock;
  std::mutex mu;
  LoopResult result;
  std::atomic<long> issued{0};
  std::atomic<long> errors{0};
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      const std::function<bool()> send = make_worker();
      std::vector<double> mine;
      while (Clock::now() < stop_at &&
             (requests == 0 || issued.fetch_add(1) < requests)) {
        const auto t0 = Clock::now();
        const bool ok = send();
        const auto t1 = Clock::now();
        if (ok) {
          mine.push_back(
              std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          errors.fetch_add(1);
        }
      }
      const std::lock_guard lock(mu);
      result.latencies_ms.insert(result.latencies_ms.end(), mine.begin(),
                                 mine.end());
    });
  }
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.errors = errors.load();
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

// User plus system CPU seconds of RUSAGE_SELF or RUSAGE_CHILDREN; the peak
// RSS in kB (ru_maxrss) goes to `max_rss_kb` when given.
inline double RusageSeconds(int who, long* max_rss_kb = nullptr) {
  rusage usage{};
  getrusage(who, &usage);
  if (max_rss_kb != nullptr) *max_rss_kb = usage.ru_maxrss;
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

}  // namespace ocr::bench
