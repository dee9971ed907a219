#include "gateway/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/beast/core/string.hpp>
#include <fstream>

#include "common/json_writer.h"

namespace ocr {
namespace {

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

Response Unauthorized(RequestContext& ctx, std::string_view why,
                      std::string_view message) {
  ctx.error_reason = "unauthenticated";
  ctx.log_fields.emplace_back("auth", std::string(why));
  std::string body = ctx.error_body != nullptr ? (*ctx.error_body)(message)
                                               : json::ErrorBody(message);
  Response res = JsonResponse(ctx, http::status::unauthorized, std::move(body));
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

}  // namespace

ApiKeys::Digest ApiKeys::Sha256(std::string_view bytes) {
  Digest digest{};
  unsigned int size = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate; an all-zero digest
  // then matches no stored key (those are computed the same way at start-up,
  // where a failure would show as every key refused, never as one accepted).
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  return digest;
}

Status ApiKeys::Add(std::string_view key, const std::string& where) {
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return InvalidArgumentError(
          where + ": an API key may hold only visible ASCII characters");
    }
  }
  digests_.push_back(Sha256(key));
  return OkStatus();
}

StatusOr<ApiKeys> ApiKeys::Load(const std::string& file,
                                std::string_view list) {
  ApiKeys keys;
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return InvalidArgumentError("--api-keys-file: cannot read '" + file +
                                  "'");
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      const std::string_view key = Trim(line);
      if (key.empty() || key.front() == '#') continue;
      RETURN_IF_ERROR(keys.Add(
          key, "--api-keys-file " + file + " line " + std::to_string(number)));
    }
    if (in.bad()) {
      return InvalidArgumentError("--api-keys-file: error reading '" + file +
                                  "'");
    }
    if (keys.digests_.empty()) {
      return InvalidArgumentError("--api-keys-file '" + file +
                                  "' holds no key");
    }
  }
  if (!Trim(list).empty()) {
    const size_t from_file = keys.digests_.size();
    int number = 1;
    for (size_t start = 0; start <= list.size(); ++number) {
      const auto comma = list.find(',', start);
      const auto end = comma == std::string_view::npos ? list.size() : comma;
      const std::string_view key = Trim(list.substr(start, end - start));
      if (!key.empty()) {
        RETURN_IF_ERROR(keys.Add(key, "--api-keys (GATEWAY_API_KEYS) item " +
                                          std::to_string(number)));
      }
      start = end + 1;
    }
    if (keys.digests_.size() == from_file) {
      return InvalidArgumentError("--api-keys (GATEWAY_API_KEYS) holds no key");
    }
  }
  return keys;
}

bool ApiKeys::Accepts(std::string_view key) const {
  const Digest presented = Sha256(key);
  // Every digest is compared, whatever matched before: the time taken says
  // nothing about which key, if any, the request carried.
  int matches = 0;
  for (const Digest& digest : digests_) {
    matches |=
        CRYPTO_memcmp(digest.data(), presented.data(), digest.size()) == 0;
  }
  return matches != 0;
}

std::vector<std::string_view> PresentedApiKeys(const Request& request) {
  std::vector<std::string_view> out;
  const std::string_view authorization =
      Trim(request[http::field::authorization]);
  constexpr std::string_view kBearer = "bearer";
  if (authorization.size() > kBearer.size() &&
      beast::iequals(authorization.substr(0, kBearer.size()), kBearer) &&
      (authorization[kBearer.size()] == ' ' ||
       authorization[kBearer.size()] == '\t')) {
    const std::string_view token = Trim(authorization.substr(kBearer.size()));
    if (!token.empty()) out.push_back(token);
  }
  const std::string_view header = Trim(request["X-API-Key"]);
  if (!header.empty()) out.push_back(header);
  return out;
}

Handler RequireApiKey(const ApiKeys& keys, Handler handler) {
  if (!keys.enabled()) return handler;
  return [&keys, handler = std::move(handler)](
             RequestContext& ctx) -> net::awaitable<Response> {
    const auto presented = PresentedApiKeys(ctx.request);
    if (presented.empty()) {
      co_return Unauthorized(ctx, "missing",
                             "missing API key: send 'Authorization: Bearer "
                             "<key>' or 'X-API-Key: <key>'");
    }
    bool accepted = false;
    for (const std::string_view key : presented) {
      accepted = keys.Accepts(key) || accepted;  // no short cut: check all
    }
    if (!accepted) co_return Unauthorized(ctx, "invalid", "invalid API key");
    co_return co_await handler(ctx);
  };
}

}  // namespace ocr
