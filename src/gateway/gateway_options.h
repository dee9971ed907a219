// Every setting of ocr-gateway, with its flag, environment variable and
// default in one table (RegisterFlags), validated in one place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/connection_timeouts.h"
#include "common/http_client.h"
#include "common/options.h"

namespace ocr {

struct GatewayOptions {
  // --- Network ---
  std::string host = "0.0.0.0";
  int port = 8001;
  std::string port_file;  // written with the bound port once ready
  int io_threads = 2;

  // --- Upstream model service ---
  std::string model_urls = "http://127.0.0.1:8080";  // comma-separated
  // v2-json (the reference's), v2-binary or grpc (grpc:// model URLs).
  std::string upstream_protocol = "v2-json";
  std::string model_name = "ocr-model";
  double timeout_seconds = 60;          // whole request, retries included
  double connect_timeout_seconds = 2;   // one connection attempt
  int retries = 2;                      // extra attempts when safe
  double retry_backoff_seconds = 0.05;  // first backoff; doubles, jittered

  // --- Authentication (off when both are empty) ---
  std::string api_keys_file;  // one key per line
  std::string api_keys;       // comma-separated

  // --- Limits ---
  int64_t max_upload_bytes = 32ll << 20;
  // The model's largest answer (a searchable PDF of many pages is large).
  int64_t max_response_bytes = 64ll << 20;
  int max_connections = 512;       // open HTTP connections; 0: unlimited
  int64_t max_inflight_bytes = 0;  // upload bodies held; 0: 4 x max_upload

  // --- Asynchronous jobs (gateway/jobs/) ---
  // The jobs database and uploads; empty: a temporary folder removed at
  // exit (jobs then do not survive a restart).
  std::string job_dir;
  double job_retention_seconds = 24 * 3600;  // finished jobs are kept
  int64_t max_job_bytes = 2ll << 30;         // one job's upload
  int max_job_pages = 10000;
  double job_page_timeout_seconds = 120;  // one page on one endpoint
  int job_page_concurrency = 0;  // pages in flight per endpoint; 0: its engines
  std::string callback_allow;    // --callback-allow patterns
  std::string webhook_secret;    // whsec_... signs callbacks

  // --- Lifecycle and logging ---
  ConnectionTimeouts connection;  // idle, header, body, write
  double shutdown_grace_seconds = 30;
  std::string log_level = "info";

  void RegisterFlags(FlagSet& flags);
  Status Validate() const;
  std::vector<std::string> ModelUrlList() const;
  // The endpoints of --model-url, parsed for --upstream-protocol.
  StatusOr<std::vector<HttpEndpoint>> ModelEndpoints() const;
};

}  // namespace ocr
