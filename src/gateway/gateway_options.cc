#include "gateway/gateway_options.h"

#include "common/http_client.h"
#include "common/logging.h"
#include "gateway/api_keys.h"
#include "gateway/upstream_grpc_codec.h"
#include "gateway/upstream_protocol.h"

namespace ocr {

void GatewayOptions::RegisterFlags(FlagSet& f) {
  f.AddString("host", "GATEWAY_HOST", "Address to listen on.", &host);
  f.AddInt("port", "GATEWAY_PORT", "HTTP port (0: any free port).", &port);
  f.AddString("port-file", "GATEWAY_PORT_FILE",
              "Write the bound port to this file once listening.", &port_file);
  f.AddInt("io-threads", "GATEWAY_IO_THREADS", "Threads serving HTTP I/O.",
           &io_threads);
  f.AddList("model-url", "GATEWAY_MODEL_URL",
            "Model service base URL, http://host[:port], or "
            "grpc://host[:port] (port 8081 by default) with "
            "--upstream-protocol=grpc; comma-separated (or the flag "
            "repeated) for several, used round-robin.",
            &model_urls);
  f.AddString("upstream-protocol", "GATEWAY_UPSTREAM_PROTOCOL",
              "How the gateway talks to the model: v2-json (KServe V2 REST, "
              "the file base64 in JSON), v2-binary (V2 REST with binary "
              "tensor data: the file as is) or grpc (V2 gRPC; grpc:// "
              "model URLs). The answers are the same.",
              &upstream_protocol);
  f.AddString("model-name", "GATEWAY_MODEL_NAME",
              "Model to call: POST <model-url>/v2/models/<name>/infer.",
              &model_name);
  f.AddDouble("timeout", "GATEWAY_TIMEOUT_SECONDS",
              "Deadline of one upload, retries included; past it: 504.",
              &timeout_seconds);
  f.AddDouble("connect-timeout", "GATEWAY_CONNECT_TIMEOUT_SECONDS",
              "Deadline of one connection attempt to the model.",
              &connect_timeout_seconds);
  f.AddInt("retries", "GATEWAY_RETRIES",
           "Extra attempts after a refused or reset connection or a 503 "
           "(never after a 4xx).",
           &retries);
  f.AddDouble("retry-backoff", "GATEWAY_RETRY_BACKOFF_SECONDS",
              "First retry delay; doubles each retry, with full jitter.",
              &retry_backoff_seconds);
  f.AddString("api-keys-file", "GATEWAY_API_KEYS_FILE",
              "File of API keys, one per line ('#' comments and blank lines "
              "ignored); /gateway/* then needs 'Authorization: Bearer <key>' "
              "or 'X-API-Key: <key>'. Off when neither this nor "
              "--api-keys is set.",
              &api_keys_file);
  f.AddList("api-keys", "GATEWAY_API_KEYS",
            "API keys, comma-separated, in addition to --api-keys-file. "
            "Prefer the environment variable or the file: command lines "
            "are visible to other users.",
            &api_keys);
  f.AddBytes("max-upload-bytes", "GATEWAY_MAX_UPLOAD_BYTES",
             "Largest upload (suffix k, m or g); larger gets 413 before the "
             "body is read.",
             &max_upload_bytes);
  f.AddBytes("max-response-bytes", "GATEWAY_MAX_RESPONSE_BYTES",
             "Largest answer taken from the model (suffix k, m or g); "
             "larger gets 502 at once, not retried.",
             &max_response_bytes);
  f.AddBytes("max-inflight-bytes", "GATEWAY_MAX_INFLIGHT_BYTES",
             "Bytes of uploads held in memory at once (suffix k, m or g; "
             "jobs' uploads go to disk and do not count); an upload whose "
             "Content-Length does not fit now gets 503 before it is read (0: "
             "4 x --max-upload-bytes).",
             &max_inflight_bytes);
  f.AddInt("max-connections", "GATEWAY_MAX_CONNECTIONS",
           "Open HTTP connections; past it a new connection is answered 503 "
           "and closed (0: unlimited).",
           &max_connections);
  f.AddString("job-dir", "GATEWAY_JOB_DIR",
              "Folder of the jobs database and uploads (empty: a temporary "
              "folder removed at exit; jobs then do not survive a restart).",
              &job_dir);
  f.AddDouble("job-retention", "GATEWAY_JOB_RETENTION_SECONDS",
              "Seconds a finished job and its results are kept.",
              &job_retention_seconds);
  f.AddBytes("max-job-bytes", "GATEWAY_MAX_JOB_BYTES",
             "Largest upload of one job (suffix k, m or g).", &max_job_bytes);
  f.AddInt("max-job-pages", "GATEWAY_MAX_JOB_PAGES", "Most pages of one job.",
           &max_job_pages);
  f.AddDouble("job-page-timeout", "GATEWAY_JOB_PAGE_TIMEOUT_SECONDS",
              "Seconds one page of a job may take on one model endpoint.",
              &job_page_timeout_seconds);
  f.AddInt("job-page-concurrency", "GATEWAY_JOB_PAGE_CONCURRENCY",
           "Pages of jobs in flight on each model endpoint (0: the engines "
           "it reports).",
           &job_page_concurrency);
  f.AddString("callback-allow", "GATEWAY_CALLBACK_ALLOW",
              "Webhook destinations allowed besides public addresses "
              "(comma-separated patterns, e.g. http://127.0.0.1:*).",
              &callback_allow);
  f.AddString("webhook-secret", "GATEWAY_WEBHOOK_SECRET",
              "Secret (whsec_<base64>) that signs job webhooks; empty: "
              "callback_url is refused.",
              &webhook_secret);
  connection.RegisterFlags(f, "GATEWAY_");
  f.AddDouble("shutdown-grace", "GATEWAY_SHUTDOWN_GRACE_SECONDS",
              "On SIGTERM, how long in-flight requests may take to finish.",
              &shutdown_grace_seconds);
  f.AddString("log-level", "GATEWAY_LOG_LEVEL",
              "debug, info, warning or error.", &log_level);
}

std::vector<std::string> GatewayOptions::ModelUrlList() const {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= model_urls.size()) {
    const auto comma = model_urls.find(',', start);
    const auto end = comma == std::string::npos ? model_urls.size() : comma;
    std::string item = model_urls.substr(start, end - start);
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) {
      out.push_back(item.substr(first, last - first + 1));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

StatusOr<std::vector<HttpEndpoint>> GatewayOptions::ModelEndpoints() const {
  ASSIGN_OR_RETURN(const UpstreamProtocol protocol,
                   ParseUpstreamProtocol(upstream_protocol));
  std::vector<HttpEndpoint> out;
  for (const auto& url : ModelUrlList()) {
    const bool grpc_url = url.starts_with("grpc://");
    if (grpc_url != (protocol == UpstreamProtocol::kGrpc)) {
      return InvalidArgumentError(
          "--model-url '" + url + "': " +
          (grpc_url ? "a grpc:// URL needs --upstream-protocol=grpc"
                    : "--upstream-protocol=grpc needs grpc://host[:port] "
                      "URLs"));
    }
    auto endpoint = grpc_url ? ParseGrpcUrl(url) : ParseHttpUrl(url);
    if (!endpoint.ok()) return endpoint.status().WithPrefix("--model-url");
    out.push_back(std::move(endpoint).value());
  }
  return out;
}

Status GatewayOptions::Validate() const {
  RETURN_IF_ERROR(connection.Validate());
  LogLevel level;
  if (!ParseLogLevel(log_level, &level)) {
    return InvalidArgumentError(
        "--log-level must be debug, info, warning or error");
  }
  if (port < 0 || port > 65535) {
    return InvalidArgumentError("--port must be 0-65535");
  }
  if (io_threads < 1 || io_threads > 64) {
    return InvalidArgumentError("--io-threads must be 1-64");
  }
  const auto urls = ModelUrlList();
  if (urls.empty()) return InvalidArgumentError("--model-url is required");
  RETURN_IF_ERROR(ModelEndpoints().status());
  if (model_name.empty()) return InvalidArgumentError("--model-name is empty");
  if (timeout_seconds <= 0 || connect_timeout_seconds <= 0) {
    return InvalidArgumentError("--timeout and --connect-timeout must be > 0");
  }
  if (retries < 0 || retries > 10) {
    return InvalidArgumentError("--retries must be 0-10");
  }
  if (retry_backoff_seconds < 0) {
    return InvalidArgumentError("--retry-backoff must be >= 0");
  }
  RETURN_IF_ERROR(ApiKeys::Load(api_keys_file, api_keys).status());
  if (max_upload_bytes < 1) {
    return InvalidArgumentError("--max-upload-bytes must be positive");
  }
  if (max_response_bytes < 1024 || max_response_bytes > (2ll << 30) - 1) {
    return InvalidArgumentError(
        "--max-response-bytes must be between 1k and 2g");
  }
  if (max_inflight_bytes != 0 && max_inflight_bytes < max_upload_bytes) {
    return InvalidArgumentError(
        "--max-inflight-bytes must be at least --max-upload-bytes");
  }
  if (max_connections < 0 || max_connections > 1000000) {
    return InvalidArgumentError(
        "--max-connections must be 0-1000000 (0: unlimited)");
  }
  if (shutdown_grace_seconds < 0) {
    return InvalidArgumentError("--shutdown-grace must be >= 0");
  }
  return OkStatus();
}

}  // namespace ocr
