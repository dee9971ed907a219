// ocr_bench_limit: the throughput limit of this machine for one image. It
// loads N warm Tesseract engines in this process (the project's Scheduler
// over a ThreadExecutor, no HTTP, no JSON, no base64) and keeps C images in
// flight from C threads
// for a fixed time or count. bench/run.sh compares the services with it.
//
//   OMP_THREAD_LIMIT=1 ocr_bench_limit --image=IMG [--engines=N]
//       [--concurrency=C] [--seconds=S] [--min-requests=M] [--requests=K]
//       [--max-seconds=X] [--warmup=W]
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

#include "common/closed_loop.h"
#include "model_server/core/scheduler.h"
#include "model_server/core/tesseract_engine.h"
#include "model_server/core/thread_executor.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string image;
  int engines = 0;      // 0 = hardware threads
  int concurrency = 0;  // 0 = engines
  ocr::bench::LoopBounds bounds;
  int warmup = 0;  // images per engine before measuring; 0 = 1
};

using ocr::bench::FlagValue;

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (const char* v = FlagValue(arg, "--image")) {
      args.image = v;
    } else if (const char* e = FlagValue(arg, "--engines")) {
      args.engines = std::atoi(e);
    } else if (const char* c = FlagValue(arg, "--concurrency")) {
      args.concurrency = std::atoi(c);
    } else if (ocr::bench::ParseLoopFlag(arg, args.bounds)) {
      continue;
    } else if (const char* w = FlagValue(arg, "--warmup")) {
      args.warmup = std::atoi(w);
    } else {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  if (args.image.empty()) {
    std::cerr << "usage: ocr_bench_limit --image=IMG [--engines=N] "
                 "[--concurrency=C] [--seconds=S] [--min-requests=M] "
                 "[--requests=K] [--max-seconds=X] [--warmup=W]\n";
    return false;
  }
  if (args.engines <= 0) {
    args.engines = std::max(1U, std::thread::hardware_concurrency());
  }
  if (args.concurrency <= 0) args.concurrency = args.engines;
  if (args.warmup <= 0) args.warmup = 1;
  return true;
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
bool RecogniseOnce(ocr::Scheduler& pool, const ocr::FileRef& image) {
  std::promise<bool> done;
  auto result = done.get_future();
  ocr::RecognitionTask task;
  task.file = image;
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

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, args)) return 2;
  std::ifstream file(args.image, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file),
                          std::istreambuf_iterator<char>()};
  if (bytes.empty()) {
    std::cerr << "cannot read " << args.image << "\n";
    return 2;
  }
  const ocr::FileRef image = ocr::ShareFile(bytes);

  ocr::Scheduler pool(
      ocr::SchedulerOptions{64},
      std::make_unique<ocr::ThreadExecutor>(
          args.engines, ocr::EngineSetOptions{},
          ocr::TesseractEngineFactory(ocr::DefaultTessdataDir())));
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

  const double cpu_start = ocr::bench::RusageSeconds(RUSAGE_SELF);
  const ocr::bench::LoopResult run =
      ocr::bench::RunClosedLoop(args.concurrency, args.bounds, [&] {
        return std::function<bool()>(
            [&] { return RecogniseOnce(pool, image); });
      });
  const double cpu = ocr::bench::RusageSeconds(RUSAGE_SELF) - cpu_start;
  pool.Stop();

  const auto& latencies_ms = run.latencies_ms;
  const auto count = static_cast<double>(latencies_ms.size());
  std::printf(
      "{\"count\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"throughput\":%.3f,"
      "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"cpu_seconds_per_image\":%.4f,\"peak_rss_kb\":%ld,\"engines\":%d,"
      "\"concurrency\":%d}\n",
      latencies_ms.size(), run.errors, run.seconds, count / run.seconds,
      ocr::bench::Percentile(latencies_ms, 0.50),
      ocr::bench::Percentile(latencies_ms, 0.95),
      ocr::bench::Percentile(latencies_ms, 0.99), count > 0 ? cpu / count : 0.0,
      PeakRssKb(), args.engines, args.concurrency);
  return run.errors == 0 ? 0 : 1;
}
