#include "common/http_service.h"

#include <fstream>

#include "common/logging.h"

namespace ocr {

HttpService::HttpService(int io_threads) : io_threads_(io_threads) {}

HttpService::~HttpService() { Stop(); }

Status HttpService::Start(const HttpServerOptions& options,
                          const Router& router, HttpObserver* observer) {
  server_ = std::make_unique<HttpServer>(ioc_, options, router, observer);
  RETURN_IF_ERROR(server_->Listen());
  server_->Start();
  for (int i = 0; i < io_threads_; ++i) {
    threads_.emplace_back([this] { ioc_.run(); });
  }
  return OkStatus();
}

void WritePortFile(const std::string& path, int port) {
  if (path.empty()) return;
  // Write then rename, so a reader never sees a half-written file.
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

void HttpService::WritePortFile(const std::string& path) const {
  ocr::WritePortFile(path, server_->port());
}

bool HttpService::Drain(std::chrono::milliseconds grace,
                        const std::function<bool()>& busy) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  LOG_INFO("shutting down",
           {{"in_flight", server_->InFlight()},
            {"grace_ms", static_cast<int64_t>(grace.count())}});
  server_->BeginDrain();
  while ((server_->InFlight() > 0 || (busy && busy())) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_->StopAccepting();
  const bool clean = server_->InFlight() == 0 && !(busy && busy());
  if (!clean) {
    LOG_WARNING("grace period over", {{"in_flight", server_->InFlight()}});
  }
  return clean;
}

void HttpService::Stop() {
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::vector<prometheus::MetricFamily> HttpServiceGauges::Collect() const {
  auto gauge = [](std::string name, std::string help, double value) {
    prometheus::MetricFamily family{std::move(name),
                                    std::move(help),
                                    prometheus::MetricType::Gauge,
                                    {prometheus::ClientMetric{}}};
    family.metric[0].gauge.value = value;
    return family;
  };
  return {gauge("http_connections_open",
                "Open HTTP connections (--max-connections bounds them).",
                service_.Connections()),
          gauge("http_request_body_bytes_held",
                "Bytes of request bodies read into memory and held by their "
                "requests now (--max-inflight-bytes bounds them).",
                static_cast<double>(service_.BodyBytesHeld()))};
}

}  // namespace ocr
