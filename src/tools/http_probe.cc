// ocr-probe URL: GET http://HOST[:PORT][/PATH] and exit 0 on a 2xx answer,
// 1 otherwise (printing one line saying why). The whole exchange is bounded
// by 2 s. It is the images' HEALTHCHECK: they have no shell and no curl.
//
// "${NAME}" and "${NAME:-default}" in URL are replaced by the environment
// variable (a HEALTHCHECK in exec form gets no shell to expand them), so
//   ocr-probe 'http://127.0.0.1:${OCR_HTTP_PORT:-8080}/v2/health/ready'
// follows the port the server was told to use.

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>,
// so <utility> must come first.
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(2);
constexpr size_t kMaxBodyBytes = 1 << 20;

struct Target {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

// Replaces ${NAME} and ${NAME:-default}; nullopt on an unterminated "${".
std::optional<std::string> ExpandEnv(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const size_t start = text.find("${");
    if (start == std::string_view::npos) break;
    out.append(text.substr(0, start));
    const size_t end = text.find('}', start);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view name = text.substr(start + 2, end - start - 2);
    std::string_view fallback;
    if (const size_t sep = name.find(":-"); sep != std::string_view::npos) {
      fallback = name.substr(sep + 2);
      name = name.substr(0, sep);
    }
    const char* value = std::getenv(std::string(name).c_str());
    out.append(value != nullptr && *value != '\0' ? std::string_view(value)
                                                  : fallback);
    text.remove_prefix(end + 1);
  }
  out.append(text);
  return out;
}

// Parses "http://host[:port][/path]"; nullopt when it is not that.
std::optional<Target> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  Target target;
  const size_t slash = url.find('/');
  if (slash != std::string_view::npos) {
    target.path = std::string(url.substr(slash));
    url = url.substr(0, slash);
  }
  const size_t colon = url.rfind(':');
  if (colon != std::string_view::npos && url.find(']', colon) == url.npos) {
    target.port = std::string(url.substr(colon + 1));
    url = url.substr(0, colon);
  }
  if (url.size() >= 2 && url.front() == '[' && url.back() == ']') {
    url = url.substr(1, url.size() - 2);  // [::1]
  }
  if (url.empty() || target.port.empty()) return std::nullopt;
  target.host = std::string(url);
  return target;
}

// One GET; returns the status code.
net::awaitable<unsigned> Get(const Target& target) {
  const auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  tcp::socket socket(executor);
  const auto endpoints = co_await resolver.async_resolve(
      target.host, target.port, net::use_awaitable);
  co_await net::async_connect(socket, endpoints, net::use_awaitable);

  http::request<http::empty_body> request(http::verb::get, target.path, 11);
  request.set(http::field::host, target.host);
  request.set(http::field::user_agent, "ocr-probe");
  request.set(http::field::connection, "close");
  co_await http::async_write(socket, request, net::use_awaitable);

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  co_await http::async_read(socket, buffer, parser, net::use_awaitable);
  co_return parser.get().result_int();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ocr-probe http://HOST[:PORT][/PATH]\n");
    return 1;
  }
  const std::optional<std::string> url = ExpandEnv(argv[1]);
  const std::optional<Target> target =
      url ? ParseUrl(*url) : std::optional<Target>();
  if (!target) {
    std::printf("ocr-probe: not an http://HOST[:PORT][/PATH] URL: %s\n",
                argv[1]);
    return 1;
  }

  net::io_context io;
  std::optional<unsigned> status;
  std::string error;
  net::co_spawn(io, Get(*target),
                [&](std::exception_ptr failure, unsigned code) {
                  if (!failure) {
                    status = code;
                    return;
                  }
                  try {
                    std::rethrow_exception(failure);
                  } catch (const std::exception& e) {
                    error = e.what();
                  }
                });
  io.run_for(kTimeout);

  if (!status) {
    std::printf("ocr-probe: GET %s: %s\n", url->c_str(),
                error.empty() ? "timed out after 2 s" : error.c_str());
    return 1;
  }
  if (*status < 200 || *status > 299) {
    std::printf("ocr-probe: GET %s: HTTP %u\n", url->c_str(), *status);
    return 1;
  }
  return 0;
}
