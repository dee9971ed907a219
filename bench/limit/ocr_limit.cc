// ocr_bench_limit: the throughput limit of this machine for one image. It
// loads N warm Tesseract engines in this process (the project's EnginePool,
// no HTTP, no JSON, no base64) and keeps C images in flight from C threads
// for a fixed time or count. bench/run.sh compares the services with it.
//
//   OMP_THREAD_LIMIT=1 ocr_bench_limit --image=IMG [--engines=N]
//       [--concurrency=C] [--seconds=S] [--requests=K] [--warmup=W]
//
// Prints one JSON object: count, errors, seconds, throughput (images/s),
// p50/p95/p99 latency (ms), cpu_seconds_per_image and peak_rss_kb (VmHWM).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model_server/core/engine_pool.h"
#include "model_server/core/tesseract_engine.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string image;
  int engines = 0;      // 0 = hardware threads
  int concurrency = 0;  // 0 = engines
  double seconds = 10;
  long requests = 0;  // 0 = bounded by time only
  int warmup = 0;     // images per engine before measuring; 0 = 1
};

// "--name=value" -> value, or nullptr when `arg` is another flag.
const char* Value(std::string_view arg, std::string_view name) {
  if (arg.size() > name.size() + 1 && arg.substr(0, name.size()) == name &&
      arg[name.size()] == '=') {
    return arg.data() + name.size() + 1;
  }
  return nullptr;
}

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (const char* v = Value(arg, "--image")) {
      args.image = v;
    } else if (const char* e = Value(arg, "--engines")) {
      args.engines = std::atoi(e);
    } else if (const char* c = Value(arg, "--concurrency")) {
      args.concurrency = std::atoi(c);
    } else if (const char* s = Value(arg, "--seconds")) {
      args.seconds = std::atof(s);
    } else if (const char* r = Value(arg, "--requests")) {
      args.requests = std::atol(r);
    } else if (const char* w = Value(arg, "--warmup")) {
      args.warmup = std::atoi(w);
    } else {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  if (args.image.empty()) {
    std::cerr << "usage: ocr_bench_limit --image=IMG [--engines=N] "
                 "[--concurrency=C] [--seconds=S] [--requests=K] "
                 "[--warmup=W]\n";
    return false;
  }
  if (args.engines <= 0) {
    args.engines = std::max(1U, std::thread::hardware_concurrency());
  }
  if (args.concurrency <= 0) args.concurrency = args.engines;
  if (args.warmup <= 0) args.warmup = 1;
  return true;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

// VmHWM of this process in kB: the peak resident set.
long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// Recognises `image` once and waits; returns whether it succeeded.
bool RecogniseOnce(ocr::EnginePool& pool, const std::string& image) {
  std::promise<bool> done;
  auto result = done.get_future();
  ocr::RecognitionTask task;
  task.image = image;
  task.options = ocr::OcrOptions{};
  task.cancelled = std::make_shared<std::atomic<bool>>(false);
  task.done = [&done](ocr::StatusOr<ocr::OcrResult> r) {
    done.set_value(r.ok());
  };
  std::vector<ocr::RecognitionTask> tasks;
  tasks.push_back(std::move(task));
  if (!pool.Submit(std::move(tasks)).ok()) return false;
  return result.get();
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, args)) return 2;
  std::ifstream file(args.image, std::ios::binary);
  const std::string image{std::istreambuf_iterator<char>(file),
                          std::istreambuf_iterator<char>()};
  if (image.empty()) {
    std::cerr << "cannot read " << args.image << "\n";
    return 2;
  }

  ocr::EnginePoolOptions options;
  options.engines = args.engines;
  ocr::EnginePool pool(options,
                       ocr::TesseractEngineFactory(ocr::DefaultTessdataDir()));
  if (const auto status = pool.Start(); !status.ok()) {
    std::cerr << "engines failed to start: " << status.ToString() << "\n";
    return 1;
  }
  // Warm-up: every engine recognises the image at least once, so first-use
  // costs (page allocation, dictionaries) stay out of the numbers.
  {
    std::vector<std::thread> warm;
    for (int t = 0; t < args.engines; ++t) {
      warm.emplace_back([&] {
        for (int i = 0; i < args.warmup; ++i) RecogniseOnce(pool, image);
      });
    }
    for (auto& t : warm) t.join();
  }

  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<long> issued{0};
  std::atomic<long> errors{0};
  const double cpu_start = CpuSeconds();
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(args.seconds));
  std::vector<std::thread> threads;
  for (int t = 0; t < args.concurrency; ++t) {
    threads.emplace_back([&] {
      std::vector<double> mine;
      while (Clock::now() < stop_at &&
             (args.requests == 0 || issued.fetch_add(1) < args.requests)) {
        const auto t0 = Clock::now();
        const bool ok = RecogniseOnce(pool, image);
        const auto t1 = Clock::now();
        if (ok) {
          mine.push_back(
              std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          errors.fetch_add(1);
        }
      }
      const std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  pool.Stop();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto count = static_cast<double>(latencies_ms.size());
  std::printf(
      "{\"count\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"throughput\":%.3f,"
      "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"cpu_seconds_per_image\":%.4f,\"peak_rss_kb\":%ld,\"engines\":%d,"
      "\"concurrency\":%d}\n",
      latencies_ms.size(), errors.load(), elapsed, count / elapsed,
      Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.95),
      Percentile(latencies_ms, 0.99), count > 0 ? cpu / count : 0.0,
      PeakRssKb(), args.engines, args.concurrency);
  return errors.load() == 0 ? 0 : 1;
}
