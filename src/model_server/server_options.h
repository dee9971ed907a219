// Every setting of ocr-model-server, with its flag, environment variable and
// default in one table (RegisterFlags), validated in one place.
#pragma once

#include <cstdint>
#include <string>

#include "common/connection_timeouts.h"
#include "common/options.h"
#include "model_server/core/inference_call.h"

namespace ocr {

struct ModelServerOptions {
  // --- Network ---
  std::string host = "0.0.0.0";
  int http_port = 8080;
  std::string port_file;  // written with the bound HTTP port once ready
  int grpc_port = 8081;   // V2 gRPC; 0: any free port; -1: no gRPC
  std::string grpc_port_file;
  int64_t grpc_max_message_bytes = kDefaultMaxRequestBytes;
  int io_threads = 2;

  // --- Model and engines ---
  std::string model_name = "ocr-model";
  std::string model_version = "1";
  int engines = 0;                // 0: the CPUs available to the process
  std::string languages = "eng";  // preloaded; the first is the default
  std::string tessdata;           // default: $TESSDATA_PREFIX or Debian's

  // --- Limits ---
  int64_t max_body_bytes = kDefaultMaxRequestBytes;
  int64_t max_image_pixels = 100'000'000;
  int max_image_side = 32767;
  int max_queue = 64;              // pages waiting for an engine
  int64_t max_inflight_bytes = 0;  // request bodies held; 0: 4 x max_body
  int max_connections = 512;       // open HTTP connections
  int max_images_per_request = 64;
  int max_pages = 200;      // of one input, unless `pages` selects fewer
  int result_cache_mb = 0;  // 0: no result cache
  double timeout_seconds = 60;
  ConnectionTimeouts connection;  // idle, header, body, write
  double shutdown_grace_seconds = 30;

  // --- Engine isolation ---
  std::string engine_isolation = "process";  // or "thread"
  std::string worker_binary;                 // default: next to this binary
  int64_t worker_max_requests = 0;           // recycle after N units; 0: never
  int64_t worker_max_rss = 0;                // 0: sized by the memory formula
  int64_t worker_max_address_space = 0;      // 0: 2 x worker_max_rss + 1 GiB
  int64_t worker_max_cpu_seconds = 3600;

  // --- Logging ---
  std::string log_level = "info";

  void RegisterFlags(FlagSet& flags);
  // Fills derived defaults (engines, tessdata) and checks ranges.
  Status Validate();
};

}  // namespace ocr
