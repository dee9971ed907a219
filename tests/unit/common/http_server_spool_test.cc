// Request bodies spooled to disk (RouteOptions::spool_dir) and per-route
// body limits, with a real client on loopback: a 300 MB upload keeps the
// process's memory flat, the file is the body, it is removed after the
// handler unless the handler took it, and a refused, failed or abandoned
// upload leaves no file behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "common/http_router.h"
#include "http_server_fixture.h"
#include "support/http_test_client.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr size_t kMiB = 1 << 20;

// Resident memory of this process, from /proc/self/status.
int64_t RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

size_t FilesIn(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

bool WaitEmpty(const fs::path& dir, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (FilesIn(dir) > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string Post(std::string_view target, uint64_t length) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) +
         "\r\n\r\n";
}

class SpoolTest : public HttpServerTest {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ocr-spool-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "spool");
  }
  void TearDown() override {
    HttpServerTest::TearDown();
    fs::remove_all(dir_);
  }
  fs::path spool() const { return dir_ / "spool"; }
  // A route that answers what it saw: "<body bytes> <file bytes>".
  void AddUpload(int64_t max_body_bytes) {
    router.Add(
        http::verb::post, "/upload",
        [this](RequestContext& ctx) -> net::awaitable<Response> {
          seen_file_ = ctx.body_file;
          std::error_code ec;
          const auto size = fs::file_size(ctx.body_file, ec);
          if (keep_) fs::rename(ctx.body_file, dir_ / "kept", ec);
          co_return JsonResponse(ctx, http::status::ok,
                                 std::to_string(ctx.request.body().size()) +
                                     " " + std::to_string(size));
        },
        {.max_body_bytes = max_body_bytes, .spool_dir = spool().string()});
  }

  fs::path dir_;
  std::string seen_file_;
  bool keep_ = false;
};

TEST_F(SpoolTest, A300MegabyteUploadGoesToAFileInFlatMemory) {
  keep_ = true;
  AddUpload(int64_t{400} << 20);  // over the server's 1 MiB
  HttpServerOptions options;
  options.max_body_bytes = kMiB;
  Start(options);
  constexpr size_t kChunks = 300;
  std::string chunk(kMiB, '\0');
  RawClient client(port());
  ASSERT_TRUE(client.Send(Post("/upload", kChunks * kMiB)));
  const int64_t before = RssBytes();
  for (size_t i = 0; i < kChunks; ++i) {
    // Each MiB says which it is, at both ends.
    chunk.front() = chunk.back() = static_cast<char>(i % 251);
    ASSERT_TRUE(client.Send(chunk)) << "chunk " << i;
  }
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n0 314572800", 60s))
      << client.received();
  const int64_t after = RssBytes();
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's quarantine keeps freed chunks resident for a while.
  constexpr int64_t kSlack = 32 * static_cast<int64_t>(kMiB);
#else
  constexpr int64_t kSlack = 8 * static_cast<int64_t>(kMiB);
#endif
  EXPECT_LT(after - before, kSlack)
      << "RSS grew from " << before << " to " << after;
  EXPECT_EQ(client.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(fs::path(seen_file_).parent_path(), spool());
  // The handler took the file: the server left it alone.
  EXPECT_EQ(FilesIn(spool()), 0u);
  ASSERT_EQ(fs::file_size(dir_ / "kept"), kChunks * kMiB);
  std::ifstream kept(dir_ / "kept", std::ios::binary);
  for (size_t i = 0; i < kChunks; ++i) {
    kept.read(chunk.data(), static_cast<std::streamsize>(kMiB));
    ASSERT_EQ(chunk.front(), static_cast<char>(i % 251)) << "MiB " << i;
    ASSERT_EQ(chunk.back(), static_cast<char>(i % 251)) << "MiB " << i;
  }
  const auto entries = observer.WaitFor(1);
  EXPECT_EQ(entries[0].request_bytes, kChunks * kMiB);
}

TEST_F(SpoolTest, TheFileHoldsTheBodyAndIsRemovedAfterTheHandler) {
  std::string content;
  router.Add(http::verb::post, "/small",
             [&](RequestContext& ctx) -> net::awaitable<Response> {
               seen_file_ = ctx.body_file;
               std::ifstream in(ctx.body_file, std::ios::binary);
               content.assign(std::istreambuf_iterator<char>(in), {});
               co_return JsonResponse(ctx, http::status::ok, "{}");
             },
             {.spool_dir = spool().string()});
  Start();
  // Content-Length, then chunked, on one connection.
  RawClient client(port());
  ASSERT_TRUE(client.Send(Post("/small", 5) + "hello"));
  ASSERT_TRUE(client.ReadUntil("{}", 5s)) << client.received();
  EXPECT_EQ(content, "hello");
  EXPECT_FALSE(seen_file_.empty());
  EXPECT_FALSE(fs::exists(seen_file_));
  client.received().clear();
  ASSERT_TRUE(
      client.Send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("{}", 5s)) << client.received();
  EXPECT_EQ(content, "abcde");
  EXPECT_TRUE(WaitEmpty(spool(), 1s));
}

TEST_F(SpoolTest, RouteLimitsAreCheckedFromContentLengthBeforeReading) {
  AddUpload(kMiB);
  router.Add(http::verb::post, "/big",
             [](RequestContext& ctx) -> net::awaitable<Response> {
               co_return JsonResponse(
                   ctx, http::status::ok,
                   std::to_string(ctx.request.body().size()));
             },
             {.max_body_bytes = 2 * kMiB});
  router.Add(http::verb::post, "/default",
             [](RequestContext& ctx) -> net::awaitable<Response> {
               co_return JsonResponse(ctx, http::status::ok, "{}");
             });
  HttpServerOptions options;
  options.max_body_bytes = 64 * 1024;
  Start(options);
  // Over the spooling route's limit: 413 although only a byte was sent.
  std::string answer = RawExchange(port(), Post("/upload", kMiB + 1) + "x", 5s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("exceeds the limit of 1048576 bytes"),
            std::string::npos);
  // A route may take more than the server's limit, in memory; the others
  // keep the server's.
  const std::string body(1536 * 1024, 'b');
  HttpResult big = HttpPost(port(), "/big", body, {});
  EXPECT_EQ(big.status, 200) << big.body;
  EXPECT_EQ(big.body, std::to_string(body.size()));
  answer = RawExchange(port(), Post("/default", body.size()) + "x", 5s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("exceeds the limit of 65536 bytes"), std::string::npos);
  EXPECT_EQ(FilesIn(spool()), 0u);
}

TEST_F(SpoolTest, AClientLeavingMidUploadLeavesNoFile) {
  AddUpload(int64_t{100} << 20);
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Send(Post("/upload", 10 * kMiB)));
  ASSERT_TRUE(client.Send(std::string(kMiB, 'u')));
  // Spooling has begun...
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (FilesIn(spool()) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_EQ(FilesIn(spool()), 1u);
  client.Close();  // ... and the client goes away.
  EXPECT_TRUE(WaitEmpty(spool(), 2s));
  EXPECT_TRUE(seen_file_.empty()) << "the handler ran";
  EXPECT_TRUE(NoneInFlight(service()));
}

// A write that fails for want of room answers 507 and removes the partial
// file. The failure is the kernel's own: a file size limit (EFBIG, the
// same answer as ENOSPC).
TEST_F(SpoolTest, AFailedWriteAnswers507AndRemovesThePartialFile) {
  AddUpload(int64_t{100} << 20);
  Start();
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = kMiB;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string answer = RawExchange(
      port(), Post("/upload", 4 * kMiB) + std::string(4 * kMiB, 'f'), 10s);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_EQ(answer.rfind("HTTP/1.1 507 Insufficient Storage\r\n", 0), 0u)
      << answer.substr(0, 300);
  EXPECT_NE(answer.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(answer.find("{\"error\":\"cannot store the request body: File too "
                        "large\"}"),
            std::string::npos)
      << answer.substr(0, 300);
  EXPECT_TRUE(seen_file_.empty()) << "the handler ran";
  EXPECT_TRUE(WaitEmpty(spool(), 1s));
}

}  // namespace
}  // namespace ocr::testing
