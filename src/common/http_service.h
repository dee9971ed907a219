// The runtime both services share: an io_context run by N threads, the HTTP
// server on it, the port file, and the drain of a graceful shutdown.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/http_server.h"

namespace ocr {

// Writes `port` and a newline to `path` (nothing when empty), atomically.
void WritePortFile(const std::string& path, int port);

class HttpService {
 public:
  explicit HttpService(int io_threads);
  ~HttpService();  // stops the I/O threads

  net::io_context& io_context() { return ioc_; }

  // Listens with `options`, serving `router` (not owned; must outlive this),
  // and starts the I/O threads.
  Status Start(const HttpServerOptions& options, const Router& router,
               HttpObserver* observer);
  int port() const { return server_->port(); }
  int InFlight() const { return server_->InFlight(); }
  // Open connections and bytes of request bodies held now (0 before Start).
  int Connections() const { return server_ ? server_->Connections() : 0; }
  int64_t BodyBytesHeld() const {
    return server_ ? server_->BodyBytesHeld() : 0;
  }

  // Writes the bound port to `path` (nothing when empty). Written once the
  // service is ready, so scripts and tests can wait for the file.
  void WritePortFile(const std::string& path) const;

  // Graceful shutdown: keep-alive ends, then waits until no request is in
  // flight and `busy` (when given) says false, or `grace` passes; then stops
  // accepting. True when everything finished in time.
  bool Drain(std::chrono::milliseconds grace,
             const std::function<bool()>& busy = {});
  // Stops the I/O threads.
  void Stop();

 private:
  const int io_threads_;
  net::io_context ioc_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

// http_connections_open and http_request_body_bytes_held of a service, read
// at scrape time: what --max-connections and --max-inflight-bytes bound.
class HttpServiceGauges : public prometheus::Collectable {
 public:
  explicit HttpServiceGauges(const HttpService& service) : service_(service) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const HttpService& service_;
};

}  // namespace ocr
