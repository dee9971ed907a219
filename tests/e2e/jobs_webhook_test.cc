// A job's webhook end to end: a receiver on loopback gets the job's final
// status, signed the Standard Webhooks way (checked here with OpenSSL's
// HMAC, independently of the gateway's code), retried after a failure with
// the same webhook-id; destinations outside --callback-allow are refused.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/base64.h"
#include "jobs_fixture.h"

namespace ocr::testing {
namespace {

// An HTTP receiver on 127.0.0.1 that answers `statuses` in turn (200 after
// them) and keeps each request it read.
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses)
      : statuses_(std::move(statuses)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  // The status of every request after the listed ones (200 at first).
  void AnswerFromNowOn(int status) { then_ = status; }
  std::vector<std::string> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || in.size() < need) {
        const ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
        const auto end = in.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          const auto at = in.find("Content-Length: ");
          need = end + 4 +
                 (at == std::string::npos ? 0 : std::stoul(in.substr(at + 16)));
        }
      }
      int status = then_;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(in);
        if (requests_.size() <= statuses_.size()) {
          status = statuses_[requests_.size() - 1];
        }
      }
      const std::string out = "HTTP/1.1 " + std::to_string(status) +
                              " X\r\nContent-Length: 0\r\nConnection: "
                              "close\r\n\r\n";
      write(c, out.data(), out.size());
      close(c);
    }
  }
  std::vector<int> statuses_;
  std::atomic<int> then_{200};
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

std::string HeaderOf(const std::string& request, const std::string& name) {
  const auto at = request.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 4;
  return request.substr(start, request.find("\r\n", start) - start);
}

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

std::string Sign(const std::string& id, const std::string& ts,
                 const std::string& body) {
  const std::string message = id + "." + ts + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), kKey, sizeof kKey - 1,
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &len);
  return "v1," + base64::Encode(std::string(reinterpret_cast<char*>(mac), len));
}

HttpResult SubmitWithCallback(int port, const std::string& url) {
  std::string encoded;
  for (char c : url) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      encoded += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      encoded += hex;
    }
  }
  return HttpCall(
      port, "POST", "/gateway/jobs?callback_url=" + encoded,
      MultipartBody(kBoundary, "image_file", "p.png",
                    ReadFile(ImagePath("pyt-test.png"))),
      {{"Content-Type", "multipart/form-data; boundary=" + kBoundary}});
}

TEST(JobWebhookTest, TheReceiverGetsTheSignedStatusRetriedWithOneId) {
  auto model = StartModel({"--engines=1"});
  Receiver receiver({500});
  auto gateway = StartGateway(
      {model->port()}, {"--callback-allow=http://127.0.0.1:*",
                        "--webhook-secret=whsec_" + base64::Encode(kKey)});
  const std::string url =
      "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks/ocr";
  const auto r = SubmitWithCallback(gateway->port(), url);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  // The first attempt gets 500, the retry (about a second later) 200.
  for (int i = 0; i < 300 && receiver.Requests().size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u) << gateway->Log();
  for (const std::string& request : requests) {
    EXPECT_EQ(request.rfind("POST /hooks/ocr HTTP/1.1\r\n", 0), 0u) << request;
    const std::string body = request.substr(request.find("\r\n\r\n") + 4);
    const std::string msg_id = HeaderOf(request, "webhook-id");
    const std::string ts = HeaderOf(request, "webhook-timestamp");
    EXPECT_EQ(msg_id, HeaderOf(requests[0], "webhook-id"));
    EXPECT_NE(
        HeaderOf(request, "webhook-signature").find(Sign(msg_id, ts, body)),
        std::string::npos)
        << request;
    const auto event = Json(body);
    EXPECT_EQ(event["type"], "job.succeeded");
    EXPECT_EQ(event["data"]["id"], id);
    EXPECT_EQ(event["data"]["pages_done"], 1);
  }
  const auto metrics = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(
      Metric(metrics,
             "gateway_job_webhook_deliveries_total{outcome=\"delivered\"}"),
      1);
  EXPECT_EQ(Metric(metrics,
                   "gateway_job_webhook_deliveries_total{outcome=\"failed\"}"),
            1);
}

TEST(JobWebhookTest, AWebhookNotDeliveredBeforeACrashIsSentAfterTheRestart) {
  auto model = StartModel({"--engines=1"});
  Receiver receiver({});
  receiver.AnswerFromNowOn(503);
  const std::string dir = JobsTempDir("webhook-crash");
  const std::vector<std::string> flags{
      "--job-dir=" + dir, "--callback-allow=http://127.0.0.1:*",
      "--webhook-secret=whsec_" + base64::Encode(kKey)};
  auto gateway = StartGateway({model->port()}, flags);
  const auto r = SubmitWithCallback(
      gateway->port(),
      "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks/ocr");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Json(r.body)["id"];
  // The job ends, its first delivery fails; the gateway dies before the
  // retry (half a second or more later).
  for (int i = 0; i < 3000 && receiver.Requests().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  gateway->Signal(SIGKILL);
  gateway->WaitExit(std::chrono::seconds(5));
  gateway.reset();
  const size_t before = receiver.Requests().size();
  ASSERT_GE(before, 1u);
  receiver.AnswerFromNowOn(200);
  gateway = StartGateway({model->port()}, flags);
  for (int i = 0; i < 300 && receiver.Requests().size() == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), before + 1) << gateway->Log();
  const std::string& last = requests.back();
  EXPECT_EQ(HeaderOf(last, "webhook-id"), HeaderOf(requests[0], "webhook-id"));
  const std::string body = last.substr(last.find("\r\n\r\n") + 4);
  EXPECT_NE(HeaderOf(last, "webhook-signature")
                .find(Sign(HeaderOf(last, "webhook-id"),
                           HeaderOf(last, "webhook-timestamp"), body)),
            std::string::npos);
  EXPECT_EQ(Json(body)["data"]["id"], id);
  EXPECT_EQ(Json(body)["type"], "job.succeeded");
  // Delivered (and recorded so), it is not sent at the next start.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  gateway.reset();
  gateway = StartGateway({model->port()}, flags);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(receiver.Requests().size(), before + 1);
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST(JobWebhookTest, DestinationsOutsideThePolicyAreRefused) {
  auto model = StartModel({"--engines=1"});
  auto gateway = StartGateway(
      {model->port()}, {"--webhook-secret=whsec_" + base64::Encode(kKey)});
  // Loopback, private, link-local (cloud metadata) and local names: no SSRF.
  for (const std::string url :
       {"http://127.0.0.1:8080/x", "http://10.0.0.5/x",
        "http://169.254.169.254/latest/meta-data", "http://localhost/x",
        "http://[::1]/x", "ftp://example.com/x", "http://user@example.com/x"}) {
    ExpectDetail(SubmitWithCallback(gateway->port(), url), 400, "");
  }
  // No secret, no callbacks.
  auto unsigned_gateway = StartGateway({model->port()});
  ExpectDetail(
      SubmitWithCallback(unsigned_gateway->port(), "http://example.com/hook"),
      400, "--webhook-secret");
}

}  // namespace
}  // namespace ocr::testing
