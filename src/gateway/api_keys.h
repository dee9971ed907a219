// Optional API-key authentication of the gateway's /gateway/* routes. Keys
// come from a file (--api-keys-file) and/or a comma-separated list
// (GATEWAY_API_KEYS); with neither, authentication is off. Clients present a
// key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
//
// Only SHA-256 digests of the keys are kept, and a presented key is checked
// against every digest with a constant-time comparison, so neither the
// answer's timing nor a memory dump gives a key away.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_types.h"

namespace ocr {

class ApiKeys {
 public:
  ApiKeys() = default;  // no keys: authentication is off

  // Keys from `file` (one per line; surrounding whitespace trimmed; blank
  // lines and lines starting with '#' ignored) plus those of `list`
  // (comma-separated). Either may be empty. kInvalidArgument when the file
  // cannot be read, when a source that is set holds no key (a broken Secret
  // must not leave the gateway open or shut), or when a key has characters
  // other than visible ASCII. Messages never quote a key.
  static StatusOr<ApiKeys> Load(const std::string& file, std::string_view list);

  bool enabled() const { return !digests_.empty(); }
  size_t size() const { return digests_.size(); }

  // Whether `key` is one of the keys; the time taken does not depend on
  // which key matches or how much of one does.
  bool Accepts(std::string_view key) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest Sha256(std::string_view bytes);
  Status Add(std::string_view key, const std::string& where);

  std::vector<Digest> digests_;
};

// The keys a request presents: the token of `Authorization: Bearer <key>`
// (scheme case-insensitive) and the value of `X-API-Key`, each trimmed; the
// absent ones are left out.
std::vector<std::string_view> PresentedApiKeys(const Request& request);

// `handler`, refusing requests that present no accepted key with 401
// {"detail": ...} and `WWW-Authenticate: Bearer`; the refusal's metrics
// reason is "unauthenticated". Returns `handler` itself when `keys` is not
// enabled. `keys` is not owned and must outlive the handler.
Handler RequireApiKey(const ApiKeys& keys, Handler handler);

}  // namespace ocr
