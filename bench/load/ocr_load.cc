// ocr_bench_load: the load generator of bench/run.sh. Three modes:
//
//   --mode=v2|v2-binary|v2-raw
//       --url=http://127.0.0.1:P/v2/models/ocr-model/infer --image=IMG
//   --mode=multipart --url=http://127.0.0.1:P/gateway/ocr --image=IMG
//   --mode=exec -- tesseract IMG stdout
//     closed loop: C workers each send one request, wait for the answer and
//     send the next; bounded by --seconds, --min-requests, --requests (the
//     most) and --max-seconds. Exact percentiles (every latency is kept).
//     --probe=URL (repeatable) GETs URL every --probe-interval-ms during the
//     run, on its own connection, and writes one JSON line per URL to
//     --probe-out: how health and metrics endpoints answer under load.
//     --parameters=JSON (v2, v2-binary) adds the request-level parameters
//     object, e.g. '{"rotate":"none"}'.
//
//   --mode=startup --port-file=F --path=/v2/health/ready -- SERVICE ARGS...
//     starts the service --requests times (default 3): the time from spawn
//     to the first 200 on PATH (the port read from F, which the service
//     writes), then SIGTERM to exit; prints ready and stop times.
//
// v2: the reference KServe V2 JSON body (base64 image); v2-binary: the
// binary tensor data extension, a JSON header (binary_data_size on input-0,
// binary_data_output) then the file as one BYTES element (4-byte
// little-endian length, the bytes), the header's length in
// Inference-Header-Content-Length; v2-raw: its raw form, that header 0 and
// the file as the whole body (options would go in the URL's query);
// multipart: the gateway's upload (field image_file). The body is built
// once; "request_bytes" in the output is its size (HTTP headers not
// counted). One keep-alive connection per worker
// (Boost.Beast, synchronous). exec: one process per request (pytesseract's
// way), stdout to /dev/null, CPU and peak RSS from RUSAGE_CHILDREN.
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "common/closed_loop.h"
#include "load/http_worker.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using ocr::bench::FlagValue;
using ocr::bench::HttpWorker;
using ocr::bench::Url;

struct Args {
  std::string mode = "v2";
  std::string url;
  std::string image;
  std::string parameters;  // v2: request-level parameters, a JSON object
  int connections = 1;
  ocr::bench::LoopBounds bounds;
  std::vector<std::string> probes;
  int probe_interval_ms = 50;
  std::string probe_out;
  std::string port_file;  // startup mode
  std::string path = "/";
  std::vector<std::string> command;  // exec and startup modes
};

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      args.command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (const char* m = FlagValue(arg, "--mode")) {
      args.mode = m;
    } else if (const char* u = FlagValue(arg, "--url")) {
      args.url = u;
    } else if (const char* im = FlagValue(arg, "--image")) {
      args.image = im;
    } else if (const char* pr = FlagValue(arg, "--parameters")) {
      args.parameters = pr;
    } else if (const char* c = FlagValue(arg, "--connections")) {
      args.connections = std::max(1, std::atoi(c));
    } else if (ocr::bench::ParseLoopFlag(arg, args.bounds)) {
      continue;
    } else if (const char* p = FlagValue(arg, "--probe")) {
      args.probes.emplace_back(p);
    } else if (const char* pi = FlagValue(arg, "--probe-interval-ms")) {
      args.probe_interval_ms = std::max(1, std::atoi(pi));
    } else if (const char* po = FlagValue(arg, "--probe-out")) {
      args.probe_out = po;
    } else if (const char* pf = FlagValue(arg, "--port-file")) {
      args.port_file = pf;
    } else if (const char* pa = FlagValue(arg, "--path")) {
      args.path = pa;
    } else {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  const bool http_mode = args.mode == "v2" || args.mode == "v2-binary" ||
                         args.mode == "v2-raw" || args.mode == "multipart";
  const bool ok = (http_mode && !args.url.empty() && !args.image.empty()) ||
                  (args.mode == "exec" && !args.command.empty()) ||
                  (args.mode == "startup" && !args.command.empty() &&
                   !args.port_file.empty());
  if (!ok) {
    std::cerr << "usage: ocr_bench_load --mode=v2|v2-binary|v2-raw|multipart "
                 "--url=URL "
                 "--image=IMG [--parameters=JSON] [--probe=URL "
                 "--probe-out=FILE] | --mode=exec "
                 "-- CMD ARGS... | --mode=startup --port-file=F --path=P -- "
                 "CMD ARGS...; [--connections=C] [--seconds=T] "
                 "[--min-requests=M] [--requests=K] [--max-seconds=X]\n";
  }
  if (ok && args.mode == "v2-raw" && !args.parameters.empty()) {
    std::cerr << "--mode=v2-raw takes its options in the URL's query, not "
                 "--parameters\n";
    return false;
  }
  return ok;
}

// The body the reference gateway sends to the model service, or the
// gateway's multipart upload: built once, shared by all workers.
HttpWorker::Payload MakePayload(const std::string& mode,
                                const std::string& image,
                                const std::string& parameters) {
  if (mode == "v2") {
    return {"application/json",
            R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
            R"("data":[")" +
                ocr::base64::Encode(image) + R"("]}])" +
                (parameters.empty() ? "" : R"(,"parameters":)" + parameters) +
                "}",
            std::nullopt};
  }
  if (mode == "v2-binary") {
    // The request parameters with binary_data_output first: '{"a":1}'
    // becomes '{"binary_data_output":true,"a":1}'.
    std::string params = R"({"binary_data_output":true)";
    if (parameters.size() > 2) {
      params += "," + parameters.substr(1);
    } else {
      params += "}";
    }
    std::string body =
        R"({"parameters":)" + params +
        R"(,"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
        R"("parameters":{"binary_data_size":)" +
        std::to_string(ocr::bytes_tensor::SerializedSize({image.size()})) +
        "}}]}";
    const size_t header_length = body.size();
    ocr::bytes_tensor::AppendElement(body, image);
    return {"application/octet-stream", std::move(body), header_length};
  }
  if (mode == "v2-raw") return {"application/octet-stream", image, 0};
  const std::string boundary = "ocrbenchboundary7d1f3a";
  std::string body =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"image_file\"; "
      "filename=\"image\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  body += image;
  body += "\r\n--" + boundary + "--\r\n";
  return {"multipart/form-data; boundary=" + boundary, body, std::nullopt};
}

// Spawns `argv` with stdout and stderr to /dev/null; 0 on failure.
pid_t Spawn(const std::vector<char*>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", 1, 0);
  pid_t pid = 0;
  const int rc =
      posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : 0;
}

// The exit code of `pid` once it ended, -1 when it did not exit normally.
int Wait(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::vector<char*> Argv(std::vector<std::string>& words) {
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  return argv;
}

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// GETs one URL at a fixed interval until told to stop.
class Probe {
 public:
  Probe(const Url& url, int interval_ms) : url_(url), interval_(interval_ms) {}

  void Run(const std::atomic<bool>& stop) {
    HttpWorker worker(url_, std::nullopt);
    while (!stop.load()) {
      const auto t0 = Clock::now();
      const int status = worker.Send();
      const double ms = MsSince(t0);
      if (status == 200) {
        latencies_ms_.push_back(ms);
      } else {
        ++errors_;
      }
      std::this_thread::sleep_until(t0 + interval_);
    }
    std::sort(latencies_ms_.begin(), latencies_ms_.end());
  }

  std::string Json(const std::string& url) const {
    char line[512];
    std::snprintf(line, sizeof line,
                  "{\"url\":\"%s\",\"count\":%zu,\"errors\":%ld,"
                  "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}\n",
                  url.c_str(), latencies_ms_.size(), errors_,
                  ocr::bench::Percentile(latencies_ms_, 0.50),
                  ocr::bench::Percentile(latencies_ms_, 0.99),
                  latencies_ms_.empty() ? 0.0 : latencies_ms_.back());
    return line;
  }

 private:
  const Url url_;
  const std::chrono::milliseconds interval_;
  std::vector<double> latencies_ms_;
  long errors_ = 0;
};

int RunLoad(Args& args) {
  const bool exec_mode = args.mode == "exec";
  Url url;
  HttpWorker::Payload payload;
  if (!exec_mode) {
    const auto parsed = Url::Parse(args.url);
    if (!parsed) {
      std::cerr << "bad url (want http://HOST:PORT/PATH): " << args.url << "\n";
      return 2;
    }
    url = *parsed;
    std::ifstream file(args.image, std::ios::binary);
    const std::string image{std::istreambuf_iterator<char>(file),
                            std::istreambuf_iterator<char>()};
    if (image.empty()) {
      std::cerr << "cannot read " << args.image << "\n";
      return 2;
    }
    payload = MakePayload(args.mode, image, args.parameters);
  }
  std::vector<Url> probe_urls;
  for (const auto& p : args.probes) {
    const auto parsed = Url::Parse(p);
    if (!parsed) {
      std::cerr << "bad probe url: " << p << "\n";
      return 2;
    }
    probe_urls.push_back(*parsed);
  }
  std::vector<char*> command_argv = Argv(args.command);

  std::atomic<bool> stop_probes{false};
  std::vector<std::unique_ptr<Probe>> probes;
  std::vector<std::thread> probe_threads;
  for (const auto& u : probe_urls) {
    probes.push_back(std::make_unique<Probe>(u, args.probe_interval_ms));
    probe_threads.emplace_back(
        [p = probes.back().get(), &stop_probes] { p->Run(stop_probes); });
  }

  const double child_cpu_start = ocr::bench::RusageSeconds(RUSAGE_CHILDREN);
  const ocr::bench::LoopResult run = ocr::bench::RunClosedLoop(
      args.connections, args.bounds, [&]() -> std::function<bool()> {
        if (exec_mode) {
          return [&] {
            const pid_t pid = Spawn(command_argv);
            return pid != 0 && Wait(pid) == 0;
          };
        }
        auto worker = std::make_shared<HttpWorker>(url, payload);
        return [worker] { return worker->Send() == 200; };
      });
  long child_peak_rss_kb = 0;
  const double child_cpu =
      ocr::bench::RusageSeconds(RUSAGE_CHILDREN, &child_peak_rss_kb) -
      child_cpu_start;
  stop_probes = true;
  for (auto& t : probe_threads) t.join();
  if (!args.probe_out.empty()) {
    std::ofstream out(args.probe_out);
    for (size_t i = 0; i < probes.size(); ++i) {
      out << probes[i]->Json(args.probes[i]);
    }
  }

  const auto count = static_cast<double>(run.latencies_ms.size());
  char extra[128];
  std::snprintf(extra, sizeof(extra),
                "\"child_cpu_seconds_per_image\":%.4f,"
                "\"child_peak_rss_kb\":%ld,",
                exec_mode && count > 0 ? child_cpu / count : 0.0,
                exec_mode ? child_peak_rss_kb : 0L);
  ocr::bench::PrintLoopSummary(run, extra, payload.body.size(),
                               args.connections);
  return 0;
}

// Start-up to ready and SIGTERM to exit, --requests times (default 3).
int RunStartup(Args& args) {
  const long runs = args.bounds.max_requests > 0 ? args.bounds.max_requests : 3;
  const auto limit = std::chrono::duration<double>(args.bounds.max_seconds);
  std::vector<char*> argv = Argv(args.command);
  std::vector<double> ready_ms;
  std::vector<double> stop_ms;
  int bad_exits = 0;
  for (long run = 0; run < runs; ++run) {
    std::filesystem::remove(args.port_file);
    const auto t0 = Clock::now();
    const pid_t pid = Spawn(argv);
    if (pid == 0) {
      std::cerr << "cannot start " << args.command[0] << "\n";
      return 1;
    }
    bool ready = false;
    while (!ready && Clock::now() - t0 < limit) {
      std::string port;
      std::ifstream(args.port_file) >> port;
      if (!port.empty()) {
        HttpWorker probe(Url{"127.0.0.1", port, args.path}, std::nullopt);
        ready = probe.Send() == 200;
      }
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!ready) {
      kill(pid, SIGKILL);
      Wait(pid);
      std::cerr << "not ready within " << args.bounds.max_seconds << " s\n";
      return 1;
    }
    ready_ms.push_back(MsSince(t0));
    const auto t1 = Clock::now();
    kill(pid, SIGTERM);
    if (Wait(pid) != 0) ++bad_exits;
    stop_ms.push_back(MsSince(t1));
  }
  std::sort(ready_ms.begin(), ready_ms.end());
  std::sort(stop_ms.begin(), stop_ms.end());
  std::printf(
      "{\"count\":%zu,\"ready_p50_ms\":%.1f,\"ready_max_ms\":%.1f,"
      "\"stop_p50_ms\":%.1f,\"stop_max_ms\":%.1f,\"bad_exits\":%d}\n",
      ready_ms.size(), ocr::bench::Percentile(ready_ms, 0.5), ready_ms.back(),
      ocr::bench::Percentile(stop_ms, 0.5), stop_ms.back(), bad_exits);
  return bad_exits == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, args)) return 2;
  return args.mode == "startup" ? RunStartup(args) : RunLoad(args);
}
