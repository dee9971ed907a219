// Engine worker processes under faults, with the test-only worker that
// crashes, hangs or leaks on demand (ocr-engine-worker-faults): what each
// fault costs (one unit), what replaces the worker, and what the sandbox
// forbids.
#include <dirent.h>
#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "model_server/core/scheduler.h"
#include "model_server/worker/process_executor.h"
#include "sandbox_attempts.h"
#include "support/testdata.h"

namespace ocr {
namespace {

using namespace std::chrono_literals;
using testing::ImagePath;
using testing::ReadFile;

std::unique_ptr<Scheduler> MakePool(
    int slots, worker::ProcessExecutorOptions options = {}) {
  options.slots = slots;
  options.launch.binary = OCR_ENGINE_WORKER_FAULTS_BIN;
  options.kill_grace = 200ms;
  options.max_backoff = 500ms;
  auto pool = std::make_unique<Scheduler>(
      SchedulerOptions{16}, std::make_unique<worker::ProcessExecutor>(options));
  EXPECT_TRUE(pool->Start().ok());
  return pool;
}

std::future<StatusOr<OcrResult>> Submit(
    Scheduler& pool, std::string bytes,
    Clock::time_point deadline = Clock::time_point::max()) {
  auto promise = std::make_shared<std::promise<StatusOr<OcrResult>>>();
  auto future = promise->get_future();
  std::vector<RecognitionTask> tasks(1);
  tasks[0].file = ShareFile(std::move(bytes));
  tasks[0].deadline = deadline;
  tasks[0].cancelled = std::make_shared<std::atomic<bool>>(false);
  tasks[0].done = [promise](StatusOr<OcrResult> r) {
    promise->set_value(std::move(r));
  };
  Status s = pool.Submit(std::move(tasks));
  if (!s.ok()) promise->set_value(s);
  return future;
}

StatusOr<OcrResult> Recognize(Scheduler& pool, std::string bytes) {
  return Submit(pool, std::move(bytes)).get();
}

// Waits until every slot has a live worker again.
bool AllAlive(Scheduler& pool, int slots) {
  for (int i = 0; i < 400; ++i) {
    if (pool.Stats().engines_alive == slots) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Waits until the slots report `n` restarts for `reason` (a worker is
// replaced just after its answer was delivered).
bool RestartsReach(Scheduler& pool, const std::string& reason, int64_t n) {
  for (int i = 0; i < 400; ++i) {
    if (pool.Stats().worker_restarts[reason] >= n) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// The engine workers this process started.
std::vector<pid_t> Workers() {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::string stat;
    try {
      stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    } catch (...) {
      continue;
    }
    const auto close = stat.rfind(')');
    if (stat.find("(ocr-engine-work") == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + close + 2, "%c %d", &state, &ppid) == 2 &&
        ppid == getpid() && state != 'Z') {
      out.push_back(pid);
    }
  }
  closedir(proc);
  return out;
}

const std::string& Page() {
  static const std::string page = ReadFile(ImagePath("pyt-test.png"));
  return page;
}

TEST(WorkerProcessTest, ACrashCostsOneImageAndTheWorkerIsReplaced) {
  auto pool = MakePool(2);
  const std::string expected = Recognize(*pool, Page())->text;
  for (const char* fault : {"OCR-FAULT:abort", "OCR-FAULT:segv"}) {
    SCOPED_TRACE(fault);
    auto good = Submit(*pool, Page());
    auto bad = Recognize(*pool, fault);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), StatusCode::kEngineCrash);
    EXPECT_NE(bad.status().message().find(
                  "the recognition engine failed on this input"),
              std::string::npos)
        << bad.status().message();
    auto r = good.get();  // the other image is untouched
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text, expected);
    EXPECT_TRUE(AllAlive(*pool, 2));
  }
  // A poison input is not retried: one death each, not two.
  EXPECT_EQ(pool->Stats().worker_restarts["crash"], 2);
  EXPECT_EQ(Recognize(*pool, Page())->text, expected);
}

TEST(WorkerProcessTest, AWorkerKilledFromOutsideIsRetriedOnAFreshOne) {
  auto pool = MakePool(1);
  auto slow = Submit(*pool, "OCR-FAULT:sleep:1500");
  std::vector<pid_t> workers;
  for (int i = 0; i < 100 && pool->Stats().engines_busy == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  workers = Workers();
  ASSERT_EQ(workers.size(), 1u);
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  auto r = slow.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "slept");
  EXPECT_EQ(pool->Stats().worker_restarts["crash"], 1);
  EXPECT_NE(Workers(), workers);
}

TEST(WorkerProcessTest, ARecognitionPastItsDeadlineIsKilledFromOutside) {
  auto pool = MakePool(1);
  const auto start = Clock::now();
  auto r = Submit(*pool, "OCR-FAULT:hang", Clock::now() + 300ms).get();
  const auto took = Clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kEngineTimeout);
  EXPECT_LT(took, 3s);  // deadline + 200 ms grace, then SIGKILL
  EXPECT_EQ(pool->Stats().worker_restarts["timeout"], 1);
  EXPECT_TRUE(Recognize(*pool, Page()).ok());
}

TEST(WorkerProcessTest, AWorkerCannotReadFilesAfterStartUp) {
  // The test itself can read the file: the worker's failure is the sandbox.
  ASSERT_FALSE(ReadFile("/etc/passwd").empty());
  auto pool = MakePool(1);
  auto r = Recognize(*pool, "OCR-FAULT:open:/etc/passwd");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "open failed: Permission denied");
  for (const char* path :
       {"/proc/self/environ",
        "/usr/share/tesseract-ocr/5/tessdata/eng.traineddata",
        "/usr/share/fonts/../../../etc/passwd"}) {
    r = Recognize(*pool, std::string("OCR-FAULT:open:") + path);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text, "open failed: Permission denied") << path;
  }
  // With Landlock, the system's fonts stay readable (a PDF's fonts that it
  // does not embed), and only they.
  const std::string font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  if (syscall(SYS_landlock_create_ruleset, nullptr, 0,
              LANDLOCK_CREATE_RULESET_VERSION) >= 1 &&
      !ReadFile(font).empty()) {
    r = Recognize(*pool, "OCR-FAULT:open:" + font);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text.rfind("read ", 0), 0u) << r->text;
  }
  // And the engine still loads its language data and reads images.
  EXPECT_TRUE(Recognize(*pool, Page()).ok());
}

TEST(WorkerProcessTest, AWorkerCannotDoWhatItsSandboxForbids) {
  auto pool = MakePool(1);
  auto r = Recognize(*pool, "OCR-FAULT:forbidden");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Each attempt refused by the sandbox (ENOSYS: the filter's own answer),
  // none succeeded, and the parent (this test) was not touched.
  EXPECT_EQ(testing::ParseAttempts(r->text), testing::RefusedAttempts())
      << r->text;
  EXPECT_EQ(kill(getpid(), 0), 0);
  // The worker lived through it and serves on.
  EXPECT_EQ(pool->Stats().worker_restarts["crash"], 0);
  EXPECT_TRUE(Recognize(*pool, Page()).ok());
}

TEST(WorkerProcessTest, AWorkerHoldsNoneOfTheServersEnvironment) {
  // What a server's environment may hold (a key, a token): not for the
  // worker, which sees only what the engine reads.
  ASSERT_EQ(setenv("OCR_TEST_SECRET", "xyz-for-the-server-only", 1), 0);
  ASSERT_EQ(setenv("OMP_THREAD_LIMIT", "1", 1), 0);
  auto pool = MakePool(1);
  auto r = Recognize(*pool, "OCR-FAULT:environ");
  unsetenv("OCR_TEST_SECRET");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text.find("xyz-for-the-server-only"), std::string::npos)
      << r->text;
  const std::set<std::string> allowed = {"PATH",
                                         "LC_ALL",
                                         "OMP_THREAD_LIMIT",
                                         "OMP_NUM_THREADS",
                                         "TESSDATA_PREFIX",
                                         "ASAN_OPTIONS",
                                         "UBSAN_OPTIONS",
                                         "LSAN_OPTIONS"};
  std::istringstream lines(r->text);
  std::set<std::string> names;
  for (std::string line; std::getline(lines, line);) {
    names.insert(line.substr(0, line.find('=')));
  }
  for (const std::string& name : names) {
    EXPECT_TRUE(allowed.count(name)) << name << " reached the worker";
  }
  EXPECT_TRUE(names.count("OMP_THREAD_LIMIT")) << r->text;
  EXPECT_TRUE(names.count("PATH")) << r->text;
}

TEST(WorkerProcessTest, AnAnswerLargerThanTheRequestCanProduceIsRefused) {
  worker::ProcessExecutorOptions options;
  // Text from a page of at most a million pixels: 1 MiB + 250,000 bytes at
  // most (MaxResultBytes).
  options.launch.max_page_pixels = 1'000'000;
  auto pool = MakePool(1, options);
  ASSERT_TRUE(Recognize(*pool, Page()).ok());
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  // The worker answers 256 MiB: refused from the frame's header, never
  // read, and the worker is killed (not retried: not an outside kill).
  auto r = Recognize(*pool, "OCR-FAULT:huge:256");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kEngineCrash);
  EXPECT_NE(
      r.status().message().find(
          "answered outside the protocol (frame of 268435456 bytes is over "
          "the limit (at most 1298576 for this request)) and was "
          "stopped"),
      std::string::npos)
      << r.status().message();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 << 10)  // KiB
      << "the server allocated the answer";
  EXPECT_EQ(pool->Stats().worker_restarts["crash"], 1);
  EXPECT_TRUE(AllAlive(*pool, 1));
  EXPECT_TRUE(Recognize(*pool, Page()).ok());
}

TEST(WorkerProcessTest, RunningOutOfMemoryCostsOneImage) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: the "
                  "worker runs without its address-space limit";
#endif
  worker::ProcessExecutorOptions options;
  options.launch.args = {"--max-address-space=1g"};
  auto pool = MakePool(1, options);
  auto r = Recognize(*pool, "OCR-FAULT:oom");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("out of memory"), std::string::npos)
      << r.status().ToString();
  EXPECT_TRUE(Recognize(*pool, Page()).ok());
}

TEST(WorkerProcessTest, WorkersAreRecycledBetweenImagesWithoutFailures) {
  worker::ProcessExecutorOptions options;
  options.max_requests = 2;
  auto pool = MakePool(1, options);
  for (int i = 0; i < 5; ++i) {
    auto r = Recognize(*pool, Page());
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
  }
  EXPECT_TRUE(RestartsReach(*pool, "recycled", 2));
  EXPECT_TRUE(AllAlive(*pool, 1));
  EXPECT_EQ(pool->Stats().worker_restarts["recycled"], 2);
  EXPECT_EQ(pool->Stats().worker_restarts["crash"], 0);
}

TEST(WorkerProcessTest, AWorkerOverItsMemoryLimitIsReplaced) {
  worker::ProcessExecutorOptions options;
  options.max_rss_bytes = 300 << 20;
  auto pool = MakePool(1, options);
  ASSERT_TRUE(Recognize(*pool, Page()).ok());
  EXPECT_EQ(pool->Stats().worker_restarts["memory"], 0);
  EXPECT_GT(pool->Stats().worker_rss_bytes.at(0), 10 << 20);
  ASSERT_TRUE(Recognize(*pool, "OCR-FAULT:hold:400").ok());
  EXPECT_TRUE(RestartsReach(*pool, "memory", 1));
  EXPECT_TRUE(AllAlive(*pool, 1));
  EXPECT_EQ(pool->Stats().worker_restarts["memory"], 1);
  EXPECT_LT(pool->Stats().worker_rss_bytes.at(0), 300 << 20);
  EXPECT_TRUE(Recognize(*pool, Page()).ok());
}

}  // namespace
}  // namespace ocr
