// An HttpService on 127.0.0.1:0 with routes a test adds, and an observer
// that keeps what the server reports.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_service.h"
#include "support/raw_http_client.h"

namespace ocr::testing {

// What the server reported through its HttpObserver.
class RecordingObserver : public HttpObserver {
 public:
  struct Entry {
    std::string route;
    int status = 0;
    uint64_t request_bytes = 0;
    uint64_t response_bytes = 0;
  };
  void OnRequestDone(const RequestRecord& r) override {
    std::lock_guard lock(mu_);
    entries_.push_back(
        {std::string(r.route), r.status, r.request_bytes, r.response_bytes});
    changed_.notify_all();
  }
  // Waits until `n` requests were reported; returns them.
  std::vector<Entry> WaitFor(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return entries_.size() >= n; });
    return entries_;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Entry> entries_;
};

// Add routes to `router`, then Start().
class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    service_ = std::make_unique<HttpService>(2);
    const Status s = service_->Start(options, router, &observer);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (service_) service_->Stop();
  }
  int port() const { return service_->port(); }
  HttpService& service() { return *service_; }

  Router router;
  RecordingObserver observer;

 private:
  std::unique_ptr<HttpService> service_;
};

// Waits up to a second for the server to have no request in flight (it
// counts one until its answer is written, after the observer heard of it).
inline bool NoneInFlight(HttpService& service) {
  for (int i = 0; i < 200 && service.InFlight() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return service.InFlight() == 0;
}

inline std::string Get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

}  // namespace ocr::testing
