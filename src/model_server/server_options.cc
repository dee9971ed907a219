#include "model_server/server_options.h"

#include <unistd.h>

#include <climits>
#include <filesystem>

#include "common/logging.h"
#include "common/system_info.h"
#include "model_server/core/tesseract_engine.h"

namespace ocr {

void ModelServerOptions::RegisterFlags(FlagSet& f) {
  f.AddString("host", "OCR_HOST", "Address to listen on.", &host);
  f.AddInt("http-port", "OCR_HTTP_PORT",
           "HTTP port for the V1 and V2 REST protocols and /metrics (0: any "
           "free port).",
           &http_port);
  f.AddString("port-file", "OCR_PORT_FILE",
              "Write the bound HTTP port to this file once listening.",
              &port_file);
  f.AddInt("grpc-port", "OCR_GRPC_PORT",
           "Port for the V2 gRPC protocol (0: any free port; -1: no gRPC).",
           &grpc_port);
  f.AddString("grpc-port-file", "OCR_GRPC_PORT_FILE",
              "Write the bound gRPC port to this file once ready.",
              &grpc_port_file);
  f.AddBytes("grpc-max-message-bytes", "OCR_GRPC_MAX_MESSAGE_BYTES",
             "Largest gRPC message received or sent (suffix k, m or g); "
             "larger gets RESOURCE_EXHAUSTED. The same default as "
             "--max-body-bytes.",
             &grpc_max_message_bytes);
  f.AddInt("io-threads", "OCR_IO_THREADS",
           "Threads serving HTTP I/O (OCR never runs on them).", &io_threads);
  f.AddString("model-name", "OCR_MODEL_NAME", "Name the model is served as.",
              &model_name);
  f.AddString("model-version", "OCR_MODEL_VERSION",
              "Version the model is served as.", &model_version);
  f.AddInt("engines", "OCR_ENGINES",
           "Warm Tesseract engines (0: one per CPU available to the process, "
           "honouring the cgroup CPU quota).",
           &engines);
  f.AddString("languages", "OCR_LANGUAGES",
              "Languages preloaded in every engine, comma-separated; the "
              "first is the default (e.g. eng,deu).",
              &languages);
  f.AddString("tessdata", "TESSDATA_PREFIX",
              "Folder holding *.traineddata (default: Debian's).", &tessdata);
  f.AddBytes("max-body-bytes", "OCR_MAX_BODY_BYTES",
             "Largest REST request body (suffix k, m or g); larger gets "
             "413. The same default as --grpc-max-message-bytes.",
             &max_body_bytes);
  f.AddInt("max-image-pixels", "OCR_MAX_IMAGE_PIXELS",
           "Largest image in pixels, checked from its header; larger gets "
           "413.",
           &max_image_pixels);
  f.AddInt("max-image-side", "OCR_MAX_IMAGE_SIDE",
           "Longest image side in pixels (Tesseract's limit is 32767).",
           &max_image_side);
  f.AddInt("max-queue", "OCR_MAX_QUEUE",
           "Pages (images, document pages) that may wait for an engine; a "
           "request whose pages would pass it, or could not be done before "
           "its deadline at the engines' measured page time, gets 503 with "
           "Retry-After (a request alone is served whatever its size).",
           &max_queue);
  f.AddBytes("max-inflight-bytes", "OCR_MAX_INFLIGHT_BYTES",
             "Bytes of request bodies held in memory at once (suffix k, m or "
             "g); a body whose Content-Length does not fit now gets 503 "
             "before it is read (0: 4 x --max-body-bytes).",
             &max_inflight_bytes);
  f.AddInt("max-connections", "OCR_MAX_CONNECTIONS",
           "Open HTTP connections; past it a new connection is answered 503 "
           "and closed (0: unlimited).",
           &max_connections);
  f.AddInt("max-images-per-request", "OCR_MAX_IMAGES_PER_REQUEST",
           "Most images one request may hold; more gets 413.",
           &max_images_per_request);
  f.AddInt("max-pages", "OCR_MAX_PAGES",
           "Most pages of one document (PDF, multi-page TIFF) recognised in "
           "one request; a longer one gets 413 unless the 'pages' parameter "
           "selects at most this many.",
           &max_pages);
  f.AddString("engine-isolation", "OCR_ENGINE_ISOLATION",
              "process: each engine in a supervised, sandboxed worker "
              "process (a crash or a hostile file costs one request); "
              "thread: engines in this process (for benchmarks).",
              &engine_isolation);
  f.AddString("worker-binary", "OCR_WORKER_BINARY",
              "The engine worker program (default: ocr-engine-worker next to "
              "this program).",
              &worker_binary);
  f.AddInt("worker-max-requests", "OCR_WORKER_MAX_REQUESTS",
           "Replace a worker after this many images (0: never).",
           &worker_max_requests);
  f.AddBytes("worker-max-rss", "OCR_WORKER_MAX_RSS",
             "Replace a worker, between images, when its resident memory "
             "passes this (0: 40 MiB + 12.5 MiB per megapixel of "
             "--max-image-pixels + 0.75 x --max-body-bytes).",
             &worker_max_rss);
  f.AddBytes("worker-max-address-space", "OCR_WORKER_MAX_ADDRESS_SPACE",
             "A worker's address-space limit (0: 2 x --worker-max-rss + "
             "1 GiB); an image needing more fails alone.",
             &worker_max_address_space);
  f.AddInt("worker-max-cpu-seconds", "OCR_WORKER_MAX_CPU_SECONDS",
           "A worker's CPU-time limit; it is replaced at 80 % of it.",
           &worker_max_cpu_seconds);
  f.AddInt("result-cache-mb", "OCR_RESULT_CACHE_MB",
           "MiB for a cache of recognised texts keyed by the SHA-256 of the "
           "image and lang/psm/dpi: an identical image with identical "
           "options is answered without OCR. Pays only when the same images "
           "repeat. 0 (the default): off.",
           &result_cache_mb);
  f.AddDouble("timeout", "OCR_TIMEOUT_SECONDS",
              "Request deadline in seconds; clients may ask for less with the "
              "V2 parameter 'timeout' (microseconds). Past it: 504.",
              &timeout_seconds);
  connection.RegisterFlags(f, "OCR_");
  f.AddDouble("shutdown-grace", "OCR_SHUTDOWN_GRACE_SECONDS",
              "On SIGTERM, how long in-flight requests may take to finish.",
              &shutdown_grace_seconds);
  f.AddString("log-level", "OCR_LOG_LEVEL", "debug, info, warning or error.",
              &log_level);
}

Status ModelServerOptions::Validate() {
  RETURN_IF_ERROR(connection.Validate());
  if (engines == 0) engines = AvailableCpus();
  if (tessdata.empty()) tessdata = DefaultTessdataDir();
  LogLevel level;
  if (!ParseLogLevel(log_level, &level)) {
    return InvalidArgumentError(
        "--log-level must be debug, info, warning or "
        "error");
  }
  if (http_port < 0 || http_port > 65535) {
    return InvalidArgumentError("--http-port must be 0-65535");
  }
  if (grpc_port < -1 || grpc_port > 65535) {
    return InvalidArgumentError("--grpc-port must be 0-65535, or -1 for none");
  }
  if (grpc_port > 0 && grpc_port == http_port) {
    return InvalidArgumentError("--grpc-port must differ from --http-port");
  }
  if (grpc_max_message_bytes < 1024 ||
      grpc_max_message_bytes > (2ll << 30) - 1) {
    return InvalidArgumentError(
        "--grpc-max-message-bytes must be between 1k and 2g");
  }
  if (io_threads < 1 || io_threads > 64) {
    return InvalidArgumentError("--io-threads must be 1-64");
  }
  if (engines < 1 || engines > 256) {
    return InvalidArgumentError("--engines must be 1-256 (or 0 for auto)");
  }
  if (max_body_bytes < 1024) {
    return InvalidArgumentError("--max-body-bytes must be at least 1k");
  }
  if (max_image_pixels < 1) {
    return InvalidArgumentError("--max-image-pixels must be positive");
  }
  if (max_image_side < 1 || max_image_side > 32767) {
    return InvalidArgumentError("--max-image-side must be 1-32767");
  }
  if (max_queue < 1 || max_queue > 100000) {
    return InvalidArgumentError(
        "--max-queue must be 1-100000 (pages waiting for an engine)");
  }
  if (max_inflight_bytes == 0) max_inflight_bytes = 4 * max_body_bytes;
  if (max_inflight_bytes < max_body_bytes) {
    return InvalidArgumentError(
        "--max-inflight-bytes must be at least --max-body-bytes (one "
        "largest body must fit)");
  }
  if (max_connections < 0 || max_connections > 1000000) {
    return InvalidArgumentError(
        "--max-connections must be 0-1000000 (0: unlimited)");
  }
  if (max_pages < 1 || max_pages > 100000) {
    return InvalidArgumentError("--max-pages must be 1-100000");
  }
  if (max_images_per_request < 1 || max_images_per_request > 100000) {
    return InvalidArgumentError("--max-images-per-request must be 1-100000");
  }
  if (engine_isolation != "process" && engine_isolation != "thread") {
    return InvalidArgumentError("--engine-isolation must be process or thread");
  }
  if (worker_binary.empty()) {
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    const std::string path = n > 0 ? std::string(self, n) : std::string();
    worker_binary =
        (std::filesystem::path(path).parent_path() / "ocr-engine-worker")
            .string();
  }
  if (worker_max_requests < 0 || worker_max_rss < 0 ||
      worker_max_address_space < 0 || worker_max_cpu_seconds < 0) {
    return InvalidArgumentError("--worker-max-* must be >= 0");
  }
  if (worker_max_rss == 0) {
    // The memory formula's peak for one engine (docs/performance.md).
    const double mib = 40 + 12.5 * static_cast<double>(max_image_pixels) / 1e6 +
                       0.75 * static_cast<double>(max_body_bytes) / (1 << 20);
    worker_max_rss = static_cast<int64_t>(mib * (1 << 20));
  }
  if (worker_max_address_space == 0) {
    worker_max_address_space = 2 * worker_max_rss + (int64_t{1} << 30);
  }
  if (result_cache_mb < 0 || result_cache_mb > 65536) {
    return InvalidArgumentError("--result-cache-mb must be 0-65536 (0: off)");
  }
  if (timeout_seconds <= 0) {
    return InvalidArgumentError("--timeout must be positive");
  }
  if (shutdown_grace_seconds < 0) {
    return InvalidArgumentError("--shutdown-grace must be >= 0");
  }
  if (model_name.empty() || languages.empty()) {
    return InvalidArgumentError("--model-name and --languages must be set");
  }
  return OkStatus();
}

}  // namespace ocr
