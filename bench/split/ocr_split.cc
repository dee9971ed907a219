// ocr_bench_split: can one page be shared across idle engines and keep its
// text? N warm Tesseract engines in this process, one thread each; for one
// image, the time of one engine on the whole page (PSM_AUTO, what the model
// service does) against strategies that split the page across the N engines
// (bench/split/split_strategies.h), runs interleaved so that a shared
// machine's drift hits all alike. See bench/split.sh.
//
//   ocr_bench_split --image=IMG [--truth=TXT] [--engines=N] [--runs=R]
//       [--margin=PX] [--line-pad-x=PX] [--line-pad-y=PX] [--dump=DIR]
//
// Prints one JSON object a line per strategy (whole first, then concurrent:
// N whole pages at once, one per engine, the machine's parallelism): strategy,
// width, height, seconds (median of R runs), ratio (to whole), identical (1
// when the text is byte-identical to whole's), stable (1 when every run gave
// the same text), cer (against --truth; -1 without), pieces and
// layout_seconds (the serial layout pass, part of seconds), cpu_seconds
// (median CPU time of the whole process) and cpu_ratio (to whole's).
// --dump writes each strategy's text to DIR/STRATEGY.txt.
#include <leptonica/allheaders.h>
#include <sys/resource.h>
#include <tesseract/baseapi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/closed_loop.h"
#include "model_server/core/tesseract_engine.h"
#include "quality/char_error_rate.h"
#include "split/split_strategies.h"

namespace {

using Clock = std::chrono::steady_clock;
using ocr::bench::FlagValue;

struct Args {
  std::string image;
  std::string truth;
  std::string dump;
  int engines = 0;  // 0 = hardware threads
  int runs = 3;
  int margin = 10;
  int line_pad_x = 10;
  int line_pad_y = 3;
};

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (const char* v = FlagValue(arg, "--image")) {
      args.image = v;
    } else if (const char* t = FlagValue(arg, "--truth")) {
      args.truth = t;
    } else if (const char* d = FlagValue(arg, "--dump")) {
      args.dump = d;
    } else if (const char* e = FlagValue(arg, "--engines")) {
      args.engines = std::atoi(e);
    } else if (const char* r = FlagValue(arg, "--runs")) {
      args.runs = std::max(1, std::atoi(r));
    } else if (const char* m = FlagValue(arg, "--margin")) {
      args.margin = std::atoi(m);
    } else if (const char* x = FlagValue(arg, "--line-pad-x")) {
      args.line_pad_x = std::atoi(x);
    } else if (const char* y = FlagValue(arg, "--line-pad-y")) {
      args.line_pad_y = std::atoi(y);
    } else {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  if (args.image.empty()) {
    std::cerr << "usage: ocr_bench_split --image=IMG [--truth=TXT] "
                 "[--engines=N] [--runs=R] [--margin=PX] [--line-pad-x=PX] "
                 "[--line-pad-y=PX] [--dump=DIR]\n";
    return false;
  }
  if (args.engines <= 0) {
    args.engines =
        static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  }
  return true;
}

// libgomp reads OMP_THREAD_LIMIT when it loads, before main: unless the
// environment chose a limit, run again with OMP_THREAD_LIMIT=1 (as the
// model service does), so that N engines use N cores, not 4N threads.
void EnsureOpenMpThreadLimit(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr) return;
  setenv("OMP_THREAD_LIMIT", "1", 1);
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return;
  path[n] = '\0';
  execv(path, argv);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file),
          std::istreambuf_iterator<char>()};
}

struct Strategy {
  std::string name;
  // Recognises the page; fills stats.
  std::function<std::string(ocr::bench::SplitStats*)> run;
  std::vector<double> seconds;
  std::vector<double> cpu_seconds;  // of every thread of the process
  std::string text;
  bool stable = true;
  ocr::bench::SplitStats stats;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  EnsureOpenMpThreadLimit(argv);
  Args args;
  if (!Parse(argc, argv, args)) return 2;
  Pix* page = pixRead(args.image.c_str());
  if (page == nullptr) {
    std::cerr << "cannot read " << args.image << "\n";
    return 2;
  }
  const bool has_truth = !args.truth.empty();
  const std::string truth = has_truth ? ReadFile(args.truth) : "";

  // Tesseract's diagnostics go nowhere (a process-global parameter).
  {
    tesseract::TessBaseAPI globals;
    globals.SetVariable("debug_file", "/dev/null");
  }
  const std::string tessdata = ocr::DefaultTessdataDir();
  std::vector<std::unique_ptr<tesseract::TessBaseAPI>> owned;
  ocr::bench::Engines engines;
  for (int e = 0; e < args.engines; ++e) {
    owned.push_back(std::make_unique<tesseract::TessBaseAPI>());
    if (owned.back()->Init(tessdata.c_str(), "eng", tesseract::OEM_DEFAULT) !=
        0) {
      std::cerr << "Tesseract could not load eng from " << tessdata << "\n";
      return 1;
    }
    engines.push_back(owned.back().get());
  }
  // Warm-up: every engine recognises the page once.
  ocr::bench::RunOnEngines(
      engines,
      [&] {
        std::vector<std::size_t> all(engines.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        return all;
      }(),
      [](tesseract::TessBaseAPI&) {},
      [page](tesseract::TessBaseAPI& api, std::size_t) {
        ocr::bench::Whole(api, page);
      });

  std::vector<Strategy> strategies;
  const auto add = [&](std::string name, decltype(Strategy::run) run) {
    Strategy s;
    s.name = std::move(name);
    s.run = std::move(run);
    strategies.push_back(std::move(s));
  };
  add("whole", [&](ocr::bench::SplitStats* s) {
    s->pieces = 1;
    return ocr::bench::Whole(*engines[0], page);
  });
  // Not a split: N whole pages at once, one per engine. Its ratio says how
  // many cores the machine gave this process during the run (1.00: N free
  // cores, N: one), the ceiling every split works under.
  add("concurrent", [&](ocr::bench::SplitStats* s) {
    s->pieces = engines.size();
    std::vector<std::string> texts(engines.size());
    std::vector<std::size_t> all(engines.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    ocr::bench::RunOnEngines(
        engines, all, [](tesseract::TessBaseAPI&) {},
        [&](tesseract::TessBaseAPI& api, std::size_t i) {
          texts[i] = ocr::bench::Whole(api, page);
        });
    return texts[0];
  });
  add("blocks", [&](ocr::bench::SplitStats* s) {
    return ocr::bench::SplitBlocks(engines, page, args.margin, s);
  });
  add("bands", [&](ocr::bench::SplitStats* s) {
    return ocr::bench::SplitBands(engines, page, s);
  });
  add("lines", [&](ocr::bench::SplitStats* s) {
    return ocr::bench::SplitLines(engines, page, args.line_pad_x,
                                  args.line_pad_y, s);
  });
  // Interleaved: run r of every strategy, then run r + 1.
  for (int r = 0; r < args.runs; ++r) {
    for (auto& s : strategies) {
      ocr::bench::SplitStats stats;
      const double cpu_start = ocr::bench::RusageSeconds(RUSAGE_SELF);
      const auto start = Clock::now();
      std::string text = s.run(&stats);
      s.seconds.push_back(
          std::chrono::duration<double>(Clock::now() - start).count());
      s.cpu_seconds.push_back(ocr::bench::RusageSeconds(RUSAGE_SELF) -
                              cpu_start);
      if (r == 0) {
        s.text = std::move(text);
        s.stats = stats;
      } else if (text != s.text) {
        s.stable = false;
      }
    }
  }

  const double whole_seconds = Median(strategies[0].seconds);
  const double whole_cpu = Median(strategies[0].cpu_seconds);
  for (const auto& s : strategies) {
    double cer = -1;
    if (has_truth) {
      const auto result = ocr::bench::Cer(truth, s.text);
      if (result.has_value()) cer = result->cer;
    }
    if (!args.dump.empty()) {
      std::ofstream(args.dump + "/" + s.name + ".txt", std::ios::binary)
          << s.text;
    }
    const double seconds = Median(s.seconds);
    const double cpu = Median(s.cpu_seconds);
    std::printf(
        "{\"strategy\":\"%s\",\"width\":%d,\"height\":%d,\"engines\":%d,"
        "\"runs\":%d,\"seconds\":%.3f,\"ratio\":%.2f,\"identical\":%d,"
        "\"stable\":%d,\"cer\":%.4f,\"pieces\":%zu,\"layout_seconds\":%.3f,"
        "\"cpu_seconds\":%.3f,\"cpu_ratio\":%.2f}\n",
        s.name.c_str(), static_cast<int>(pixGetWidth(page)),
        static_cast<int>(pixGetHeight(page)), args.engines, args.runs, seconds,
        whole_seconds > 0 ? seconds / whole_seconds : 0.0,
        s.text == strategies[0].text ? 1 : 0, s.stable ? 1 : 0, cer,
        s.stats.pieces, s.stats.layout_seconds, cpu,
        whole_cpu > 0 ? cpu / whole_cpu : 0.0);
  }
  pixDestroy(&page);
  return 0;
}
