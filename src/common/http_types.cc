#include "common/http_types.h"

#include <boost/beast/http/field.hpp>

#include "common/json_writer.h"
#include "common/status_http.h"

namespace ocr {

std::string_view RequestContext::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> RequestContext::Query(std::string_view name) const {
  std::string_view target = request.target();
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    const auto eq = pair.find('=');
    std::string key;
    if (!PercentDecode(pair.substr(0, eq), &key, true) || key != name) continue;
    std::string value;
    if (eq != std::string_view::npos &&
        !PercentDecode(pair.substr(eq + 1), &value, true)) {
      continue;
    }
    return value;
  }
  return std::nullopt;
}

Response JsonResponse(const RequestContext& ctx, http::status status,
                      std::string body) {
  Response res{status, ctx.request.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

Response ErrorResponse(RequestContext& ctx, const Status& status) {
  ctx.error_reason = std::string(StatusCodeName(status.code()));
  std::string body = ctx.error_body != nullptr
                         ? (*ctx.error_body)(status.message())
                         : json::ErrorBody(status.message());
  Response res =
      JsonResponse(ctx, ToHttpStatus(status.code()), std::move(body));
  if (status.code() == StatusCode::kUnavailable) {
    res.set(http::field::retry_after, "1");
  }
  return res;
}

Response ClientGoneResponse(RequestContext& ctx, std::string message) {
  Response res = ErrorResponse(ctx, UnavailableError(std::move(message)));
  ctx.error_counted = true;  // nothing was refused: not an inference error
  ctx.log_fields.emplace_back("client_gone", true);
  return res;
}

bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space) {
  out->clear();
  out->reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace ocr
