// ocr-model-server as a real process, as users and Kubernetes run it: flags
// and environment, the OpenMP thread limit, request logs, SIGTERM drain, a
// REST client that disconnects.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/http_test_client.h"
#include "support/raw_http_client.h"
#include "support/server_process.h"
#include "support/testdata.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
const char* kInfer = "/v2/models/ocr-model/infer";

std::string Image(const std::string& name) { return ReadFile(ImagePath(name)); }

// The JSON log lines whose "msg" is `msg`.
std::vector<nlohmann::json> LogLines(const std::string& log,
                                     const std::string& msg) {
  std::vector<nlohmann::json> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("msg", "") == msg) out.push_back(j);
  }
  return out;
}

TEST(ModelServerProcessTest, HelpListsEveryFlagWithItsEnvironmentVariable) {
  int exit_code = -1;
  const std::string help = RunCommand(
      std::string(OCR_MODEL_SERVER_BIN) + " --help 2>&1", &exit_code);
  EXPECT_EQ(exit_code, 0);
  for (const char* expected :
       {"--http-port", "OCR_HTTP_PORT", "default: 8080", "--engines",
        "OCR_ENGINES", "--languages", "OCR_LANGUAGES", "--max-body-bytes",
        "OCR_MAX_BODY_BYTES", "--max-image-pixels", "default: 100000000",
        "--max-queue", "--timeout", "default: 60", "--shutdown-grace",
        "--log-level", "OCR_LOG_LEVEL", "TESSDATA_PREFIX"}) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected;
  }
}

TEST(ModelServerProcessTest, BadConfigurationFailsFastAndSaysWhy) {
  int exit_code = -1;
  std::string out = RunCommand(
      std::string(OCR_MODEL_SERVER_BIN) + " --no-such-flag 2>&1", &exit_code);
  EXPECT_EQ(exit_code, 2);
  EXPECT_NE(out.find("unknown flag --no-such-flag"), std::string::npos) << out;
  out = RunCommand(std::string(OCR_MODEL_SERVER_BIN) + " --engines=lots 2>&1",
                   &exit_code);
  EXPECT_EQ(exit_code, 2);
  EXPECT_NE(out.find("--engines"), std::string::npos) << out;
  // A queue of 0 would refuse every request: refused at start-up instead.
  out = RunCommand(std::string(OCR_MODEL_SERVER_BIN) + " --max-queue=0 2>&1",
                   &exit_code);
  EXPECT_EQ(exit_code, 2);
  EXPECT_NE(out.find("--max-queue must be"), std::string::npos) << out;
  // Without its worker program the server says so and stops.
  ServerProcess lost(OCR_MODEL_SERVER_BIN,
                     {"--engines=1", "--worker-binary=/nonexistent/worker"});
  EXPECT_FALSE(lost.WaitReady(10s));
  EXPECT_EQ(lost.WaitExit(5s), 1);
  EXPECT_NE(lost.Log().find("/nonexistent/worker"), std::string::npos)
      << lost.Log();

  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--languages=eng,klingon"});
  EXPECT_FALSE(server.WaitReady(10s));
  EXPECT_EQ(server.WaitExit(5s), 1);
  EXPECT_NE(server.Log().find("unknown language 'klingon'"), std::string::npos)
      << server.Log();
}

// Unless the environment chose a limit, the server runs Tesseract's OpenMP
// with OMP_THREAD_LIMIT=1, effective for the library (it re-executes itself
// so libgomp sees the variable when it loads).
TEST(ModelServerProcessTest, OpenMpIsLimitedToOneThreadPerEngine) {
  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--engines=1"},
                       {"-OMP_THREAD_LIMIT"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  auto ready = LogLines(server.Log(), "ready");
  ASSERT_EQ(ready.size(), 1u) << server.Log();
  EXPECT_EQ(ready[0]["omp_thread_limit"], 1);
  const std::string environ =
      ReadFile("/proc/" + std::to_string(server.pid()) + "/environ");
  EXPECT_NE(environ.find(std::string("OMP_THREAD_LIMIT=1\0", 19)),
            std::string::npos);

  // A limit the operator set is respected.
  ServerProcess tuned(OCR_MODEL_SERVER_BIN, {"--engines=1"},
                      {"OMP_THREAD_LIMIT=3"});
  ASSERT_TRUE(tuned.WaitReady()) << tuned.Log();
  EXPECT_EQ(LogLines(tuned.Log(), "ready")[0]["omp_thread_limit"], 3);
}

// The re-execution keeps the process's name and argv[0]: ps, top, ss -p and
// pgrep show ocr-model-server, not "exe".
TEST(ModelServerProcessTest, ReExecutedServerKeepsItsNameAndArgv0) {
  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--engines=1"},
                       {"-OMP_THREAD_LIMIT"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  const std::string proc = "/proc/" + std::to_string(server.pid());
  // The kernel keeps 15 characters of the name.
  EXPECT_EQ(ReadFile(proc + "/comm"), "ocr-model-serve\n");
  const std::string cmdline = ReadFile(proc + "/cmdline");
  EXPECT_EQ(cmdline.substr(0, cmdline.find('\0')), OCR_MODEL_SERVER_BIN);
  const std::string environ = ReadFile(proc + "/environ");
  ASSERT_NE(environ.find(std::string("OMP_THREAD_LIMIT=1\0", 19)),
            std::string::npos)
      << "the server did not re-execute itself";
  // What operators type (pgrep without -f sees only the 15 characters).
  for (const char* command :
       {"pidof ocr-model-server", "pgrep -f ocr-model-server",
        "pgrep -x ocr-model-serve"}) {
    const std::string pids = RunCommand(command);
    EXPECT_NE(pids.find(std::to_string(server.pid())), std::string::npos)
        << command << ": " << pids;
  }
}

TEST(ModelServerProcessTest, EnvironmentConfiguresAndEachRequestIsLogged) {
  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--engines=1"},
                       {"OCR_MODEL_NAME=receipts"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  auto r = HttpPost(
      server.port(), "/v2/models/receipts/infer",
      V2Request({Image("tjs-simple.png")}),
      {{"Content-Type", "application/json"}, {"X-Request-ID", "e2e-trace-7"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(HttpPost(server.port(), kInfer, "{}").status, 404);

  std::this_thread::sleep_for(100ms);  // the log line follows the response
  const auto lines = LogLines(server.Log(), "request");
  ASSERT_EQ(lines.size(), 2u) << server.Log();
  const auto& ok = lines[0];
  EXPECT_EQ(ok["request_id"], "e2e-trace-7");
  EXPECT_EQ(ok["route"], "/v2/models/{model}/infer");
  EXPECT_EQ(ok["status"], 200);
  EXPECT_EQ(ok["images"], 1);
  EXPECT_EQ(ok["image_bytes"], Image("tjs-simple.png").size());
  EXPECT_GT(ok["latency_ms"].get<double>(), 0);
  EXPECT_GT(ok["bytes_in"].get<int>(), 0);
  EXPECT_TRUE(ok.contains("ts") && ok.contains("level"));
  EXPECT_EQ(lines[1]["status"], 404);
}

// The engine workers of a server under load: one killed from outside
// (SIGKILL) costs no request, since its image is retried on a fresh worker,
// and the server is back to full strength at once.
TEST(ModelServerProcessTest, AWorkerKilledUnderLoadCostsNoRequest) {
  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--engines=2"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  const int port = server.port();
  auto workers = [&] {
    std::vector<int> pids;
    const std::string list = RunCommand(
        "pgrep -P " + std::to_string(server.pid()) + " -x ocr-engine-work");
    std::istringstream in(list);
    for (int pid; in >> pid;) pids.push_back(pid);
    return pids;
  };
  ASSERT_EQ(workers().size(), 2u) << server.Log();
  const std::string body = V2Request({Image("pyt-test.png")});
  const std::string expected = RunCommand(
      "tesseract '" + ImagePath("pyt-test.png") + "' stdout 2>/dev/null");
  std::atomic<int> sent{0};
  std::vector<std::future<std::vector<HttpResult>>> clients;
  for (int c = 0; c < 4; ++c) {
    clients.push_back(std::async(std::launch::async, [&] {
      std::vector<HttpResult> results;
      while (sent.fetch_add(1) < 24)
        results.push_back(HttpPost(port, kInfer, body));
      return results;
    }));
  }
  while (sent.load() < 6) std::this_thread::sleep_for(5ms);
  const auto victims = workers();
  ASSERT_FALSE(victims.empty());
  ASSERT_EQ(kill(victims[0], SIGKILL), 0);
  for (auto& client : clients) {
    for (const HttpResult& r : client.get()) {
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(nlohmann::json::parse(r.body)["outputs"][0]["data"][0],
                expected);
    }
  }
  const std::string metrics = HttpGet(port, "/metrics").body;
  EXPECT_NE(metrics.find("ocr_worker_restarts_total{reason=\"crash\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("ocr_engines_alive 2"), std::string::npos);
  EXPECT_EQ(workers().size(), 2u);
}

// SIGTERM: readiness turns false, new work is refused, in-flight requests
// finish, then the process exits 0.
TEST(ModelServerProcessTest, SigtermDrainsInFlightRequestsThenExitsZero) {
  ServerProcess server(OCR_MODEL_SERVER_BIN,
                       {"--engines=1", "--shutdown-grace=20"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  const int port = server.port();
  const std::string body = V2Request({Image("pyt-test.png")});
  std::vector<std::future<HttpResult>> in_flight;
  for (int i = 0; i < 4; ++i) {
    in_flight.push_back(std::async(
        std::launch::async, [&] { return HttpPost(port, kInfer, body); }));
  }
  // Until all four are queued or running.
  for (int i = 0; i < 400; ++i) {
    const std::string m = HttpGet(port, "/metrics").body;
    if (m.find("ocr_engines_busy 1") != std::string::npos &&
        m.find("ocr_queue_depth 3") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  server.Signal(SIGTERM);
  std::this_thread::sleep_for(50ms);

  auto ready = HttpGet(port, "/v2/health/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  auto refused = HttpPost(port, kInfer, body);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("shutting down"), std::string::npos);

  const std::string expected = RunCommand(
      "tesseract '" + ImagePath("pyt-test.png") + "' stdout 2>/dev/null");
  for (auto& f : in_flight) {
    HttpResult r = f.get();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body)["outputs"][0]["data"][0], expected);
  }
  EXPECT_EQ(server.WaitExit(15s), 0) << server.Log();
  EXPECT_EQ(LogLines(server.Log(), "stopped").size(), 1u) << server.Log();
}

// A REST client that goes away frees the engine: the server notices the
// closed connection while the request runs, and its recognitions stop as on
// a deadline instead of running to the end.
TEST(ModelServerProcessTest, AClientThatDisconnectsStopsItsDocument) {
  const std::string dir =
      ::testing::TempDir() + "ocr-disconnect-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  // A 16-page TIFF: about 7 s of work on one engine.
  std::string pages;
  for (int i = 0; i < 16; ++i) pages += " '" + ImagePath("pyt-test.png") + "'";
  int rc = 0;
  RunCommand("convert" + pages + " -compress lzw '" + dir + "/16.tif'", &rc);
  ASSERT_EQ(rc, 0) << "ImageMagick convert";
  const std::string body = V2Request({ReadFile(dir + "/16.tif")});
  std::filesystem::remove_all(dir);

  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--engines=1", "--max-pages=16"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  const int port = server.port();
  auto busy = [&] {
    return HttpGet(port, "/metrics").body.find("ocr_engines_busy 1") !=
           std::string::npos;
  };
  {
    RawClient client(port);
    ASSERT_TRUE(
        client.Send("POST " + std::string(kInfer) +
                    " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!busy() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(busy()) << server.Log();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(client.received(), "") << "answered before the disconnect";
  }  // the client disconnects
  // The page being read stops, the queued ones are dropped: within a second
  // the engine is idle, and stays so (between pages it is idle only for a
  // moment).
  std::this_thread::sleep_for(1s);
  int busy_samples = 0;
  for (int i = 0; i < 20; ++i) {
    busy_samples += busy();
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(busy_samples, 0)
      << "the engine still works for a request whose client left";
  // The server keeps serving.
  const HttpResult next =
      HttpPost(port, kInfer, V2Request({Image("pyt-test.png")}));
  EXPECT_EQ(next.status, 200) << next.body;
}

}  // namespace
}  // namespace ocr::testing
