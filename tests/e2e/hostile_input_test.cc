// ocr-model-server as a real process, with real engine workers, against
// inputs made to hurt it: broken and lying images, bodies that lie about
// their length, JSON built to exhaust a parser. Each gets a 4xx with a JSON
// error; no process dies; the server's memory returns to its level.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "hostile_input_cases.h"
#include "support/http_test_client.h"
#include "support/server_process.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
const char* kInfer = "/v2/models/ocr-model/infer";

int64_t RssKiB(pid_t pid) {
  const std::string status =
      ReadFile("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::stoll(status.substr(at + 6));
}

double Metric(int port, const std::string& series) {
  const std::string m = HttpGet(port, "/metrics").body;
  const auto at = m.find("\n" + series + " ");
  return at == std::string::npos ? -1
                                 : std::stod(m.substr(at + series.size() + 2));
}

void ExpectJsonError(const HttpResult& r, const std::string& what) {
  EXPECT_GE(r.status, 400) << what << ": " << r.body.substr(0, 200);
  EXPECT_LT(r.status, 500) << what << ": " << r.body.substr(0, 200);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string())
      << what << ": " << r.body.substr(0, 200);
}

// Connects, sends `prelude`, then `trickle` a byte every `interval`, and
// returns the seconds from connecting until the server closed the
// connection (-1 if it was still open after `give_up`).
double SecondsUntilClosed(int port, std::string prelude, std::string trickle,
                          std::chrono::milliseconds interval,
                          std::chrono::seconds give_up) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<uint16_t>(port));
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    close(fd);
    return -2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::atomic<bool> closed{false};
  std::thread writer([&] {
    send(fd, prelude.data(), prelude.size(), MSG_NOSIGNAL);
    for (size_t i = 0; !closed && i < trickle.size(); ++i) {
      if (send(fd, &trickle[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(interval);
    }
  });
  timeval wait{.tv_sec = give_up.count(), .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char sink[4096];
  ssize_t n;
  while ((n = recv(fd, sink, sizeof sink, 0)) > 0) {
  }
  const bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  closed = true;
  shutdown(fd, SHUT_RDWR);
  writer.join();
  close(fd);
  return timed_out ? -1 : seconds;
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        OCR_MODEL_SERVER_BIN,
        std::vector<std::string>{"--engines=2", "--max-image-pixels=50000000",
                                 "--max-body-bytes=16m", "--timeout=20"});
    ASSERT_TRUE(server_->WaitReady()) << server_->Log();
    port_ = server_->port();
  }
  void ExpectServing() {
    EXPECT_EQ(HttpGet(port_, "/v2/health/ready").status, 200) << server_->Log();
    auto r = HttpPost(port_, kInfer,
                      V2Request({ReadFile(ImagePath("tjs-simple.png"))}));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  std::unique_ptr<ServerProcess> server_;
  int port_ = 0;
};

TEST_F(HostileInputTest, BrokenAndLyingImagesGetA4xxAndNoProcessDies) {
  ExpectServing();
  const int64_t rss_before = RssKiB(server_->pid());
  for (int round = 0; round < 2; ++round) {
    for (const auto& [name, bytes] : HostileImages()) {
      SCOPED_TRACE(name);
      auto r = HttpPost(port_, kInfer, V2Request({bytes}));
      if (r.status == 200) continue;  // a cut that still decodes is fine
      ExpectJsonError(r, name);
    }
  }
  ExpectServing();
  // No engine worker died, none was killed.
  EXPECT_EQ(Metric(port_, "ocr_worker_restarts_total{reason=\"crash\"}"), 0);
  EXPECT_EQ(Metric(port_, "ocr_worker_restarts_total{reason=\"timeout\"}"), 0);
  EXPECT_EQ(Metric(port_, "ocr_engines_alive"), 2);
  // The server never held the decoded pixels: its memory is where it was.
  // (AddressSanitizer keeps freed memory in quarantine: no such check there.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(RssKiB(server_->pid()) - rss_before, 32 * 1024);
#else
  (void)rss_before;
#endif
}

TEST_F(HostileInputTest, BodiesBuiltToHurtTheParserGetA400) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"deeply nested", std::string(100000, '[') + std::string(100000, ']')},
      {"nested objects",
       [] {
         std::string s;
         for (int i = 0; i < 50000; ++i) s += "{\"a\":";
         return s + "1" + std::string(50000, '}');
       }()},
      {"gigantic array", "{\"inputs\":[" +
                             [] {
                               std::string s;
                               for (int i = 0; i < 1000000; ++i) s += "1,";
                               return s + "1]}";
                             }()},
      {"invalid UTF-8",
       std::string("{\"inputs\":[{\"name\":\"input-0\xff\xfe\",") +
           "\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"\xc3\x28\"]}]}"},
      {"bad base64",
       V2Request({"x"}).replace(V2Request({"x"}).find("eA=="), 4, "!!!!")},
      {"not JSON", "inputs=1&data=2"},
      {"truncated JSON", V2Request({"x"}).substr(0, 40)},
      {"wrong types",
       "{\"inputs\":[{\"name\":7,\"shape\":\"one\",\"datatype\":[],\"data\":{}}"
       "]}"},
      {"huge shape",
       "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[99999999999],"
       "\"datatype\":\"BYTES\",\"data\":[\"eA==\"]}]}"},
  };
  for (const auto& [name, body] : bodies) {
    SCOPED_TRACE(name);
    ExpectJsonError(HttpPost(port_, kInfer, body), name);
    ExpectJsonError(
        HttpPost(port_, kInfer, body, {{"Content-Type", "text/plain"}}),
        name + " as text/plain");
  }
  ExpectServing();
}

TEST_F(HostileInputTest, BodiesThatLieAboutTheirLength) {
  // Longer than the limit: 413 from the header, before any byte is read.
  auto big =
      RawExchange(port_,
                  "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n"
                  "Content-Type: application/json\r\n"
                  "Content-Length: 999999999999\r\n\r\n{",
                  5s);
  EXPECT_NE(big.find(" 413 "), std::string::npos) << big.substr(0, 200);
  // Shorter than promised, then silence: the server gives up on it alone.
  std::thread liar([&] {
    RawExchange(port_,
                "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n"
                "Content-Length: 1000\r\n\r\n{\"inputs\":",
                3s);
  });
  ExpectServing();  // others are served meanwhile
  liar.join();
  // A negative or garbage length.
  auto garbage =
      RawExchange(port_,
                  "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n"
                  "Content-Length: -5\r\n\r\n",
                  5s);
  EXPECT_NE(garbage.find(" 400 "), std::string::npos) << garbage.substr(0, 200);
  ExpectServing();
}

// Hundreds of idle keep-alive connections, and clients trickling their
// headers a byte at a time, take a connection each and nothing more: a new
// client is answered at once.
TEST_F(HostileInputTest, IdleAndTricklingClientsDoNotBlockOthers) {
  boost::asio::io_context ioc;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> idle;
  const boost::asio::ip::tcp::endpoint at(
      boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_));
  const std::string get = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 300; ++i) {
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(ioc);
    boost::system::error_code ec;
    socket->connect(at, ec);
    ASSERT_FALSE(ec) << "connection " << i << ": " << ec.message();
    // Half of them make one request and then stay open, idle.
    if (i % 2 == 0) boost::asio::write(*socket, boost::asio::buffer(get), ec);
    idle.push_back(std::move(socket));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> tricklers;
  for (int t = 0; t < 20; ++t) {
    tricklers.emplace_back([&] {
      boost::asio::io_context own;
      boost::asio::ip::tcp::socket socket(own);
      boost::system::error_code ec;
      socket.connect(at, ec);
      const std::string slow =
          "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n";
      for (size_t i = 0; i < slow.size() && !stop && !ec; ++i) {
        boost::asio::write(socket, boost::asio::buffer(&slow[i], 1), ec);
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  std::this_thread::sleep_for(200ms);
  const auto start = std::chrono::steady_clock::now();
  ExpectServing();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 5s);
  stop = true;
  for (auto& t : tricklers) t.join();
}

// A header or a body trickled a byte at a time is cut off at
// --header-timeout / --body-timeout, while other clients are served; a
// connection that sends nothing is idle, not slow, and keeps its
// --idle-timeout.
TEST(SlowClientTest, TricklersAreCutOffAtTheirTimeoutsAndOthersServed) {
  ServerProcess server(OCR_MODEL_SERVER_BIN,
                       {"--engines=1", "--idle-timeout=3", "--header-timeout=1",
                        "--body-timeout=1.5"});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  const int port = server.port();
  std::string endless_header = "POST /v2/models/ocr-model/infer HTTP/1.1\r\n";
  while (endless_header.size() < 200) endless_header += "X-Slow: yes\r\n";
  const std::string body_header =
      "POST /v2/models/ocr-model/infer HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
  auto header = std::async(std::launch::async, [&] {
    return SecondsUntilClosed(port, "", endless_header, 100ms, 10s);
  });
  auto body = std::async(std::launch::async, [&] {
    return SecondsUntilClosed(port, body_header, std::string(200, ' '), 100ms,
                              10s);
  });
  auto idle = std::async(std::launch::async, [&] {
    return SecondsUntilClosed(port, "", "", 100ms, 10s);
  });
  // Served meanwhile.
  std::this_thread::sleep_for(300ms);
  const auto r = HttpPost(port, kInfer,
                          V2Request({ReadFile(ImagePath("tjs-simple.png"))}));
  EXPECT_EQ(r.status, 200) << r.body;

  const double header_s = header.get(), body_s = body.get(),
               idle_s = idle.get();
  EXPECT_GE(header_s, 0.9);
  EXPECT_LE(header_s, 3.0);
  EXPECT_GE(body_s, 1.4);
  EXPECT_LE(body_s, 3.5);
  EXPECT_GE(idle_s, 2.9);
  EXPECT_LE(idle_s, 5.0);
  EXPECT_EQ(HttpGet(port, "/v2/health/ready").status, 200) << server.Log();
}

}  // namespace
}  // namespace ocr::testing
