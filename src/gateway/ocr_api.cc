#include "gateway/ocr_api.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>

#include "common/base64.h"
#include "common/call_canceller.h"
#include "common/image_format.h"
#include "common/json_writer.h"
#include "common/request_parameters.h"
#include "common/status_http.h"
#include "gateway/jobs/job_request.h"
#include "gateway/jobs/job_runner.h"
#include "gateway/jobs/jobs_api.h"
#include "gateway/multipart.h"
#include "gateway/web_assets.h"

namespace ocr {
namespace {

constexpr std::string_view kField = "image_file";

// Whether the client asked for an asynchronous answer (RFC 7240).
bool PrefersAsync(const RequestContext& ctx) {
  return jobs::ParsePrefer(ctx.request).respond_async;
}

Handler Sync(std::function<Response(RequestContext&)> fn) {
  return [fn = std::move(fn)](RequestContext& ctx) -> net::awaitable<Response> {
    co_return fn(ctx);
  };
}

// The upload as the model is asked to read it: the file, the options the
// user chose, and the time the model may take.
InferInput ModelInput(std::string_view file, std::string_view media_type,
                      const RequestContext& ctx,
                      std::chrono::microseconds budget) {
  InferInput input;
  input.file = file;
  input.media_type = media_type;
  input.parameters = ForwardedParameters(ctx);
  input.timeout_us = budget.count();
  return input;
}

// The recognised text of a V2 response, or nullopt when it has none.
std::optional<std::string> V2Text(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view text;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc.at_pointer("/outputs/0/data/0").get_string().get(text) !=
          simdjson::SUCCESS) {
    return std::nullopt;
  }
  return std::string(text);
}

// A document the model answered in another output than text (its output
// carries a content_type): the bytes and their media type.
struct Document {
  std::string media_type;
  std::string bytes;
};
std::optional<Document> V2Document(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view media_type, data, encoding;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc.at_pointer("/outputs/0/parameters/content_type")
              .get_string()
              .get(media_type) != simdjson::SUCCESS ||
      doc.at_pointer("/outputs/0/data/0").get_string().get(data) !=
          simdjson::SUCCESS) {
    return std::nullopt;
  }
  Document out{std::string(media_type), std::string(data)};
  if (doc.at_pointer("/outputs/0/parameters/encoding")
              .get_string()
              .get(encoding) == simdjson::SUCCESS &&
      encoding == "base64") {
    auto bytes = base64::Decode(data);
    if (!bytes.ok()) return std::nullopt;
    out.bytes = std::move(bytes).value();
  }
  return out;
}

// Tells clients that retrying `res` (a 502) cannot help.
void MarkFinal(Response& res) { res.set(kRetryableHeader, "false"); }

// A decoded (binary or gRPC) answer as the gateway answers its JSON twin:
// the document, the text, or the model's V2 JSON.
Response AnswerResponse(RequestContext& ctx, const V2Answer& answer) {
  if (!answer.content_type.empty() && !answer.elements.empty()) {
    auto bytes = answer.FirstElementBytes();
    if (bytes.ok()) {
      return TextResponse(ctx, http::status::ok, answer.content_type,
                          std::move(bytes).value());
    }
  }
  if (WantsPlainText(ctx)) {
    if (answer.content_type.empty() && !answer.elements.empty()) {
      return TextResponse(ctx, http::status::ok, "text/plain; charset=utf-8",
                          answer.elements.front());
    }
    return ErrorResponse(ctx,
                         Status(StatusCode::kBadGateway,
                                "the model service's answer holds no text"));
  }
  return TextResponse(ctx, http::status::ok, "application/json",
                      RenderV2Json(answer));
}

net::awaitable<Response> HandleOcr(RequestContext& ctx, ModelClient& client,
                                   OcrApiOptions options) {
  ctx.model_name = client.model_name();
  const auto deadline = ctx.received + options.timeout;
  Upload upload;
  if (auto refused = ReadUpload(ctx, &upload)) co_return std::move(*refused);
  const std::string_view media_type = upload.media_type;
  if (options.jobs != nullptr) {
    // Prefer: respond-async asks for a job; a document is read page by
    // page on every model endpoint, as a job that outlives the deadline.
    if (PrefersAsync(ctx)) co_return co_await options.jobs->Submit(ctx, upload);
    if (jobs::IsPaged(media_type) && options.jobs->SplitsDocuments()) {
      co_return co_await options.jobs->RunSync(ctx, upload, deadline);
    }
  }

  // Leave the model a little less time than we have, so that a slow model
  // answers 504 itself rather than being cut off.
  const auto budget = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - Clock::now() - std::chrono::milliseconds(50));
  if (budget.count() <= 0) {
    co_return ErrorResponse(ctx, DeadlineExceededError("deadline exceeded"));
  }
  ModelRequest upstream = client.Encode(
      ModelInput(upload.file, media_type, ctx, budget), ctx.request_id);
  // The upload is now in `upstream`: drop the multipart copy before waiting.
  std::string().swap(ctx.request.body());

  // A client that goes away cancels the model's call (its socket closed,
  // or its gRPC call cancelled): the model stops its recognitions too.
  auto cancel = std::make_shared<CallCanceller>();
  ctx.on_client_gone = [cancel] { cancel->Cancel(); };
  if (ctx.client_gone->load()) cancel->Cancel();
  auto reply = co_await client.Infer(std::move(upstream), ctx.request_id,
                                     deadline, cancel.get());
  if (!reply.ok() && cancel->cancelled()) {
    co_return ClientGoneResponse(ctx, reply.status().message());
  }
  if (!reply.ok()) {
    Response res = ErrorResponse(ctx, reply.status());
    // kBadGateway: the answer was over the response limit, every time.
    if (reply.status().code() == StatusCode::kBadGateway) MarkFinal(res);
    co_return res;
  }
  if (reply->status == 200 && reply->answer) {
    co_return AnswerResponse(ctx, *reply->answer);
  }
  if (reply->status == 200) {
    // hOCR, ALTO, TSV, JSON or PDF: the document itself.
    if (auto document = V2Document(reply->body)) {
      co_return TextResponse(ctx, http::status::ok, document->media_type,
                             std::move(document->bytes));
    }
    if (WantsPlainText(ctx)) {
      if (auto text = V2Text(reply->body)) {
        co_return TextResponse(ctx, http::status::ok,
                               "text/plain; charset=utf-8", std::move(*text));
      }
      co_return ErrorResponse(
          ctx, Status(StatusCode::kBadGateway,
                      "the model service's answer holds no text"));
    }
    co_return TextResponse(ctx, http::status::ok, "application/json",
                           std::move(reply->body));
  }
  const std::string message = ModelErrorMessage(reply->body);
  if (reply->status < 500) {
    // The model's verdict on the request: same status, its message.
    Response res =
        ErrorResponse(ctx, Status(FromHttpStatus(reply->status), message));
    res.result(reply->status);
    co_return res;
  }
  if (reply->status == 504) {
    co_return ErrorResponse(ctx, DeadlineExceededError(message));
  }
  Response res = ErrorResponse(
      ctx, Status(StatusCode::kBadGateway, "model service error " +
                                               std::to_string(reply->status) +
                                               ": " + message));
  // The model failed on this input (500): it would again.
  if (reply->status == 500) MarkFinal(res);
  co_return res;
}

net::awaitable<Response> HandleLanguages(RequestContext& ctx,
                                         ModelClient& client,
                                         OcrApiOptions options) {
  auto reply = co_await client.Get(
      "/v2/models/" + client.model_name(), ctx.request_id,
      Clock::now() +
          std::min(options.timeout, std::chrono::milliseconds(5000)));
  if (!reply.ok()) co_return ErrorResponse(ctx, reply.status());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view languages = "eng", default_language = "eng";
  if (reply->status == 200 &&
      parser.parse(reply->body).get(doc) == simdjson::SUCCESS) {
    std::string_view v;
    if (doc.at_pointer("/parameters/languages").get_string().get(v) ==
        simdjson::SUCCESS) {
      languages = v;
    }
    if (doc.at_pointer("/parameters/default_language").get_string().get(v) ==
        simdjson::SUCCESS) {
      default_language = v;
    }
  }
  std::string out = "{\"languages\":[";
  bool first = true;
  while (!languages.empty()) {
    const auto comma = languages.find(',');
    if (!first) out += ",";
    first = false;
    json::AppendString(out, languages.substr(0, comma));
    languages = comma == std::string_view::npos ? std::string_view()
                                                : languages.substr(comma + 1);
  }
  out += "],\"default\":";
  json::AppendString(out, default_language);
  out += "}";
  co_return JsonResponse(ctx, http::status::ok, std::move(out));
}

}  // namespace

std::string MissingFieldDetail(std::string_view field) {
  std::string out = R"({"detail":[{"type":"missing","loc":["body",)";
  json::AppendString(out, field);
  out += R"(],"msg":"Field required","input":null}]})";
  return out;
}

namespace {

// The `image_file` part of a multipart body held in memory or, for a route
// that spools, in ctx.body_file; the error response when there is none.
struct FoundPart {
  std::string filename;
  std::string_view bytes;           // in memory
  uint64_t offset = 0, length = 0;  // in the file
};
std::optional<Response> FindFilePart(RequestContext& ctx,
                                     std::string_view boundary,
                                     FoundPart* found) {
  const auto missing = [&ctx] {
    ctx.error_reason = std::string(StatusCodeName(StatusCode::kUnprocessable));
    return TextResponse(ctx, http::status::unprocessable_entity,
                        "application/json", MissingFieldDetail(kField));
  };
  if (!ctx.body_file.empty()) {
    auto parts = ScanMultipartFile(ctx.body_file, boundary);
    if (!parts.ok()) return ErrorResponse(ctx, parts.status());
    for (const auto& part : *parts) {
      if (part.header.name != kField) continue;
      *found = {part.header.filename, {}, part.offset, part.length};
      return std::nullopt;
    }
    return missing();
  }
  auto parts = ParseMultipart(ctx.request.body(), boundary);
  if (!parts.ok()) return ErrorResponse(ctx, parts.status());
  for (const auto& part : *parts) {
    if (part.header.name != kField) continue;
    *found = {part.header.filename, part.body, 0, part.body.size()};
    return std::nullopt;
  }
  return missing();
}

// The first bytes of a spooled part, enough for the sniffer.
std::string HeadOf(const std::string& path, uint64_t offset, uint64_t length) {
  std::string head(static_cast<size_t>(std::min<uint64_t>(length, 64 * 1024)),
                   '\0');
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

}  // namespace

std::optional<Response> ReadUpload(RequestContext& ctx, Upload* upload) {
  auto boundary = MultipartBoundary(ctx.request[http::field::content_type]);
  if (!boundary.ok()) {
    // FastAPI answers a request that is not a form as a missing field.
    ctx.error_reason = std::string(StatusCodeName(StatusCode::kUnprocessable));
    return TextResponse(ctx, http::status::unprocessable_entity,
                        "application/json", MissingFieldDetail(kField));
  }
  FoundPart part;
  if (auto refused = FindFilePart(ctx, *boundary, &part)) return refused;
  ctx.log_fields.emplace_back("upload_bytes", part.length);
  if (part.length == 0) {
    return ErrorResponse(
        ctx, InvalidArgumentError("the uploaded file '" + part.filename +
                                  "' is empty"));
  }
  const std::string head =
      ctx.body_file.empty() ? std::string()
                            : HeadOf(ctx.body_file, part.offset, part.length);
  // The model decides with the same sniffer (common/image_format.h): what
  // passes here is never refused there as a non-image.
  const std::string_view media_type =
      SniffImageType(ctx.body_file.empty() ? part.bytes : head);
  if (media_type.empty()) {
    return ErrorResponse(ctx,
                         Status(StatusCode::kUnsupportedMediaType,
                                "the uploaded file is not a supported image (" +
                                    SupportedImageFormatNames() + ")"));
  }
  ctx.log_fields.emplace_back("media_type", std::string(media_type));
  upload->file = part.bytes;
  upload->filename = part.filename;
  upload->media_type = std::string(media_type);
  upload->body_file = ctx.body_file;
  upload->offset = part.offset;
  upload->length = part.length;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ForwardedParameters(
    const RequestContext& ctx) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RequestParameter& parameter : kRequestParameters) {
    if (!parameter.forwarded) continue;
    const std::string_view name = parameter.name;
    if (auto value = ctx.Query(name)) {
      // Form decoding turns the '+' of "eng+deu" into a space; language
      // names never hold spaces, so put the '+' back.
      if (name == "lang") std::replace(value->begin(), value->end(), ' ', '+');
      out.emplace_back(std::string(name), std::move(*value));
    }
  }
  return out;
}

Response TextResponse(const RequestContext& ctx, http::status status,
                      std::string_view content_type, std::string body) {
  Response res{status, ctx.request.version()};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

bool WantsPlainText(const RequestContext& ctx) {
  const std::string_view accept = ctx.request[http::field::accept];
  const auto text = accept.find("text/plain");
  const auto json = accept.find("application/json");
  return text != std::string_view::npos &&
         (json == std::string_view::npos || text < json);
}

std::string ModelErrorMessage(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view message;
  const std::string padded(body);
  if (parser.parse(padded).get(doc) == simdjson::SUCCESS &&
      doc["error"].get_string().get(message) == simdjson::SUCCESS) {
    return std::string(message);
  }
  return std::string(body.substr(0, 1024));
}

void AddGatewayRoutes(Router& router, ModelClient& client, Metrics& metrics,
                      const std::atomic<bool>& ready, OcrApiOptions options) {
  // The API needs a key (when keys are configured); probes, scrapes and the
  // docs never do, so Kubernetes and Prometheus need no secret.
  const auto guarded = [&options](Handler handler) {
    return options.api_keys == nullptr
               ? handler
               : RequireApiKey(*options.api_keys, std::move(handler));
  };
  router.Add(http::verb::post, "/gateway/ocr",
             guarded([&client, options](RequestContext& ctx) {
               return HandleOcr(ctx, client, options);
             }),
             RouteOptions{.inference = true});
  if (options.jobs != nullptr) {
    const ApiKeys* keys = options.api_keys;
    options.jobs->AddRoutes(router, [keys](Handler handler) {
      return keys == nullptr ? handler
                             : RequireApiKey(*keys, std::move(handler));
    });
  }
  router.Add(http::verb::get, "/gateway/languages",
             guarded([&client, options](RequestContext& ctx) {
               return HandleLanguages(ctx, client, options);
             }));
  router.Add(http::verb::get, "/healthz", Sync([](RequestContext& ctx) {
               return JsonResponse(ctx, http::status::ok, R"({"status":"ok"})");
             }));
  router.Add(http::verb::get, "/readyz", Sync([&ready](RequestContext& ctx) {
               return ready.load()
                          ? JsonResponse(ctx, http::status::ok,
                                         R"({"status":"ready"})")
                          : JsonResponse(ctx, http::status::service_unavailable,
                                         R"({"status":"shutting down"})");
             }));
  router.Add(http::verb::get, "/metrics", Sync([&metrics](RequestContext& ctx) {
               return TextResponse(ctx, http::status::ok,
                                   "text/plain; version=0.0.4; charset=utf-8",
                                   metrics.Serialize());
             }));
  for (const auto& [route, asset] :
       {std::pair{"/", "index.html"}, std::pair{"/jobs.js", "jobs.js"},
        std::pair{"/docs", "docs.html"},
        std::pair{"/openapi.json", "openapi.json"}}) {
    router.Add(http::verb::get, route,
               Sync([name = std::string(asset)](RequestContext& ctx) {
                 auto found = FindWebAsset(name);
                 if (!found) {
                   return ErrorResponse(ctx, NotFoundError(name + " missing"));
                 }
                 return TextResponse(ctx, http::status::ok, found->content_type,
                                     std::string(found->body));
               }));
  }
}

}  // namespace ocr
