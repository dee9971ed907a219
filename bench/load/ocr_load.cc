// ocr_bench_load: a closed-loop load generator for bench/run.sh. C workers
// each send one request, wait for the answer, and send the next, for T
// seconds or K requests in all. Exact percentiles (every latency is kept).
//
//   ocr_bench_load --mode=v2 --url=http://127.0.0.1:P/v2/models/ocr-model/infer
//   ocr_bench_load --mode=multipart --url=http://127.0.0.1:P/gateway/ocr
//   ocr_bench_load --mode=exec -- tesseract IMG stdout
//     common: --image=IMG --connections=C --seconds=T [--requests=K]
//
// v2: the reference KServe V2 JSON body (base64 image), multipart: the
// gateway's upload (field image_file); both over one keep-alive connection
// per worker (Boost.Beast, synchronous). exec: one process per request (what
// pytesseract does), stdout to /dev/null; CPU and peak RSS come from
// getrusage(RUSAGE_CHILDREN). Prints one JSON object.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base64.h"
#include "common/closed_loop.h"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string mode = "v2";
  std::string url;
  std::string image;
  int connections = 1;
  double seconds = 10;
  long requests = 0;                 // 0 = bounded by time only
  std::vector<std::string> command;  // exec mode
};

struct Url {
  std::string host;
  std::string port;
  std::string target;
};

std::optional<Url> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return Url{
      std::string(authority.substr(0, colon)),
      std::string(authority.substr(colon + 1)),
      slash == std::string_view::npos ? "/" : std::string(url.substr(slash))};
}

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
    if (arg == "--") {
      args.command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (const char* m = Value(arg, "--mode")) {
      args.mode = m;
    } else if (const char* u = Value(arg, "--url")) {
      args.url = u;
    } else if (const char* im = Value(arg, "--image")) {
      args.image = im;
    } else if (const char* c = Value(arg, "--connections")) {
      args.connections = std::max(1, std::atoi(c));
    } else if (const char* s = Value(arg, "--seconds")) {
      args.seconds = std::atof(s);
    } else if (const char* r = Value(arg, "--requests")) {
      args.requests = std::atol(r);
    } else {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  const bool http_mode = args.mode == "v2" || args.mode == "multipart";
  if ((http_mode && (args.url.empty() || args.image.empty())) ||
      (args.mode == "exec" && args.command.empty()) ||
      (!http_mode && args.mode != "exec")) {
    std::cerr << "usage: ocr_bench_load --mode=v2|multipart --url=URL "
                 "--image=IMG | --mode=exec -- CMD ARGS...; "
                 "[--connections=C] [--seconds=T] [--requests=K]\n";
    return false;
  }
  return true;
}

// A prepared request: the body is built once and shared by all workers.
struct Payload {
  std::string content_type;
  std::string body;
};

Payload MakePayload(const std::string& mode, const std::string& image) {
  if (mode == "v2") {
    // The body the reference gateway sends to the model service.
    return {"application/json",
            R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
            R"("data":[")" +
                ocr::base64::Encode(image) + R"("]}]})"};
  }
  const std::string boundary = "ocrbenchboundary7d1f3a";
  std::string body =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"image_file\"; "
      "filename=\"image.png\"\r\nContent-Type: image/png\r\n\r\n";
  body += image;
  body += "\r\n--" + boundary + "--\r\n";
  return {"multipart/form-data; boundary=" + boundary, body};
}

// One HTTP worker: a keep-alive connection, reopened after any error.
class HttpWorker {
 public:
  HttpWorker(const Url& url, const Payload& payload) : url_(url), stream_(io_) {
    request_.method(http::verb::post);
    request_.target(url.target);
    request_.set(http::field::host, url.host + ":" + url.port);
    request_.set(http::field::content_type, payload.content_type);
    request_.set(http::field::accept, "application/json");
    request_.keep_alive(true);
    request_.body() = payload.body;
    request_.prepare_payload();
  }

  // Sends one request; true on a 200 answer.
  bool Send() {
    try {
      if (!connected_) {
        asio::ip::tcp::resolver resolver(io_);
        stream_.connect(resolver.resolve(url_.host, url_.port));
        connected_ = true;
      }
      http::write(stream_, request_);
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(stream_, buffer, parser);
      const auto& response = parser.get();
      if (!response.keep_alive()) Close();
      return response.result() == http::status::ok;
    } catch (const std::exception& e) {
      Close();
      return false;
    }
  }

 private:
  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
  }

  const Url url_;
  asio::io_context io_;
  beast::tcp_stream stream_;
  bool connected_ = false;
  http::request<http::string_body> request_;
};

// Runs `command` once with stdout/stderr to /dev/null; true on exit 0.
bool RunProcess(const std::vector<char*>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", 1, 0);
  pid_t pid = 0;
  const int rc =
      posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, args)) return 2;
  const bool exec_mode = args.mode == "exec";
  Url url;
  Payload payload;
  if (!exec_mode) {
    const auto parsed = ParseUrl(args.url);
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
    payload = MakePayload(args.mode, image);
  }
  std::vector<char*> command_argv;
  for (auto& word : args.command) command_argv.push_back(word.data());
  command_argv.push_back(nullptr);

  const double child_cpu_start = ocr::bench::RusageSeconds(RUSAGE_CHILDREN);
  const ocr::bench::LoopResult run = ocr::bench::RunClosedLoop(
      args.connections, args.seconds, args.requests,
      [&]() -> std::function<bool()> {
        if (exec_mode) return [&] { return RunProcess(command_argv); };
        auto worker = std::make_shared<HttpWorker>(url, payload);
        return [worker] { return worker->Send(); };
      });
  long child_peak_rss_kb = 0;
  const double child_cpu =
      ocr::bench::RusageSeconds(RUSAGE_CHILDREN, &child_peak_rss_kb) -
      child_cpu_start;

  const auto& latencies_ms = run.latencies_ms;
  const auto count = static_cast<double>(latencies_ms.size());
  std::printf(
      "{\"count\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"throughput\":%.3f,"
      "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"child_cpu_seconds_per_image\":%.4f,\"child_peak_rss_kb\":%ld,"
      "\"connections\":%d}\n",
      latencies_ms.size(), run.errors, run.seconds, count / run.seconds,
      ocr::bench::Percentile(latencies_ms, 0.50),
      ocr::bench::Percentile(latencies_ms, 0.95),
      ocr::bench::Percentile(latencies_ms, 0.99),
      exec_mode && count > 0 ? child_cpu / count : 0.0,
      exec_mode ? child_peak_rss_kb : 0L, args.connections);
  return 0;
}
