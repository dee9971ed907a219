// What both load programs share: a closed-loop driver (C workers, each
// issuing its next request as soon as the last one ends), percentiles, and
// CPU time from getrusage.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ocr::bench {

struct LoopResult {
  std::vector<double> latencies_ms;  // successful requests, sorted
  long errors = 0;
  double seconds = 0;  // wall time of the whole loop
};

// How long a loop runs. A worker issues its next request while the time is
// under `seconds` or fewer than `min_requests` were issued, never past
// `max_requests` (0: no limit) or `max_seconds`; requests in flight at the
// end complete and count.
struct LoopBounds {
  double seconds = 10;
  long min_requests = 0;
  long max_requests = 0;
  double max_seconds = 600;
};

// Runs `workers` threads within `bounds`. Each thread calls `make_worker`
// once (to open its own connection, say) and then the returned function per
// request; it returns whether the request succeeded.
inline LoopResult RunClosedLoop(
    int workers, const LoopBounds& bounds,
    const std::function<std::function<bool()>()>& make_worker) {
  using Clock = std::chrono::steady_clock;
  std::mutex mu;
  LoopResult result;
  std::atomic<long> issued{0};
  std::atomic<long> errors{0};
  const auto start = Clock::now();
  auto after = [start](double s) {
    return start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(s));
  };
  const auto soft_stop = after(bounds.seconds);
  const auto hard_stop = after(std::max(bounds.seconds, bounds.max_seconds));
  // Takes a ticket for one more request, or says the loop is over.
  auto next = [&] {
    const auto now = Clock::now();
    if (now >= hard_stop) return false;
    const long ticket = issued.fetch_add(1);
    if (bounds.max_requests > 0 && ticket >= bounds.max_requests) return false;
    return now < soft_stop || ticket < bounds.min_requests;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      const std::function<bool()> send = make_worker();
      std::vector<double> mine;
      while (next()) {
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

// "--name=value" -> value, or nullptr when `arg` is another flag.
inline const char* FlagValue(std::string_view arg, std::string_view name) {
  if (arg.size() > name.size() + 1 && arg.substr(0, name.size()) == name &&
      arg[name.size()] == '=') {
    return arg.data() + name.size() + 1;
  }
  return nullptr;
}

// Takes --seconds, --min-requests, --requests (the most) and --max-seconds
// into `bounds`; false when `arg` is none of them.
inline bool ParseLoopFlag(std::string_view arg, LoopBounds& bounds) {
  if (const char* s = FlagValue(arg, "--seconds")) {
    bounds.seconds = std::atof(s);
  } else if (const char* m = FlagValue(arg, "--min-requests")) {
    bounds.min_requests = std::atol(m);
  } else if (const char* r = FlagValue(arg, "--requests")) {
    bounds.max_requests = std::atol(r);
  } else if (const char* x = FlagValue(arg, "--max-seconds")) {
    bounds.max_seconds = std::atof(x);
  } else {
    return false;
  }
  return true;
}

inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

// The load tools' summary line: count, errors, seconds, throughput, mean and
// percentiles of the latency, then `extra` (more "key":value pairs, each
// followed by a comma), request_bytes and connections, as one JSON object.
inline void PrintLoopSummary(const LoopResult& run, const std::string& extra,
                             size_t request_bytes, int connections) {
  const auto& ms = run.latencies_ms;
  const auto count = static_cast<double>(ms.size());
  std::printf(
      "{\"count\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"throughput\":%.3f,"
      "\"mean_ms\":%.2f,\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
      "%s\"request_bytes\":%zu,\"connections\":%d}\n",
      ms.size(), run.errors, run.seconds, count / run.seconds,
      count > 0 ? std::accumulate(ms.begin(), ms.end(), 0.0) / count : 0.0,
      Percentile(ms, 0.50), Percentile(ms, 0.95), Percentile(ms, 0.99),
      extra.c_str(), request_bytes, connections);
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
