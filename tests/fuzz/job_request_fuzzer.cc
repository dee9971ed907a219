// Fuzzes the asynchronous jobs' request values and webhook inputs
// (gateway/jobs/): the Prefer and Idempotency-Key headers, job ids, the
// `wait` and `after` query values, callback URLs with the destination policy
// (no DNS), --callback-allow patterns, IP address classification and webhook
// secrets.
//
// Every parser gets the whole input, then each of its lines. Besides "no
// crash, no sanitizer report", the headers' promises are checked: refusals
// are kInvalidArgument with a message; what is accepted re-validates (a key
// re-quoted, a cursor re-printed, a wait re-written, a URL rebuilt from its
// parts, a secret re-formatted) to the same value; accepted values stay in
// their documented ranges; the policy never accepts a non-public literal
// address unless a pattern names it; an address and its IPv4-mapped form
// get the same verdict.
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gateway/jobs/callback_policy.h"
#include "gateway/jobs/job_request.h"
#include "gateway/jobs/job_store.h"
#include "gateway/jobs/public_address.h"
#include "gateway/jobs/webhook.h"

namespace {

namespace ip = boost::asio::ip;
using ocr::StatusCode;

template <typename T>
void CheckRefusal(const ocr::StatusOr<T>& result) {
  if (!result.ok()) FUZZ_CHECK_REFUSAL(result.status());
}

void FuzzPrefer(std::string_view input) {
  ocr::jobs::Preferences once;
  ocr::jobs::ParsePreferHeader(input, &once);
  if (once.wait_seconds) {
    FUZZ_CHECK(once.wait_seen);
    FUZZ_CHECK(*once.wait_seconds >= 0 &&
               *once.wait_seconds <= ocr::jobs::kMaxWaitSeconds);
  }
  // The first preference of a name counts: a repeated header changes nothing.
  ocr::jobs::Preferences twice = once;
  ocr::jobs::ParsePreferHeader(input, &twice);
  FUZZ_CHECK(twice.respond_async == once.respond_async);
  FUZZ_CHECK(twice.wait_seconds == once.wait_seconds);
  FUZZ_CHECK(twice.wait_seen == once.wait_seen);
}

// The key as a Structured Field string.
std::string SfQuote(std::string_view key) {
  std::string out = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void FuzzIdempotencyKey(std::string_view input) {
  auto key = ocr::jobs::ParseIdempotencyKey(input);
  CheckRefusal(key);
  if (!key.ok()) return;
  FUZZ_CHECK(!key->empty() &&
             key->size() <= ocr::jobs::kMaxIdempotencyKeyLength);
  bool bare = true;
  for (char c : *key) {
    FUZZ_CHECK(c >= 0x20 && c <= 0x7E);
    if (c == ' ' || c == '"' || c == '\\') bare = false;
  }
  auto again = ocr::jobs::ParseIdempotencyKey(SfQuote(*key));
  FUZZ_CHECK(again.ok() && *again == *key);
  if (bare) {
    auto as_is = ocr::jobs::ParseIdempotencyKey(*key);
    FUZZ_CHECK(as_is.ok() && *as_is == *key);
  }
}

void FuzzJobId(std::string_view input) {
  bool reference = input.size() == 26;
  for (char c : input) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) reference = false;
  }
  FUZZ_CHECK(ocr::jobs::ValidJobId(input) == reference);
}

void FuzzQueryValues(std::string_view input) {
  auto after = ocr::jobs::ParseAfterCursor(input);
  CheckRefusal(after);
  if (after.ok()) {
    FUZZ_CHECK(*after >= 0 && *after < ocr::jobs::kMaxCursorExclusive);
    auto again = ocr::jobs::ParseAfterCursor(std::to_string(*after));
    FUZZ_CHECK(again.ok() && *again == *after);
  }
  auto wait = ocr::jobs::ParseWaitQuery(input);
  CheckRefusal(wait);
  if (wait.ok()) {
    const int64_t ms = wait->count();
    FUZZ_CHECK(ms >= 0 && ms <= ocr::jobs::kMaxWaitSeconds * 1000);
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    auto again =
        ocr::jobs::ParseWaitQuery(std::to_string(ms / 1000) + "." + fraction);
    FUZZ_CHECK(again.ok() && *again == *wait);
  }
}

// Rebuilds a URL from its parsed parts.
std::string Rebuild(const ocr::jobs::CallbackUrl& url) {
  const bool v6 = url.address && url.address->is_v6();
  return url.scheme + "://" + (v6 ? "[" + url.host + "]" : url.host) + ":" +
         std::to_string(url.port) + url.target;
}

void FuzzCallbackUrl(std::string_view input,
                     const ocr::jobs::CallbackPolicy& named) {
  auto url = ocr::jobs::ParseCallbackUrl(input);
  CheckRefusal(url);
  if (url.ok()) {
    FUZZ_CHECK(url->scheme == "http" || url->scheme == "https");
    FUZZ_CHECK(!url->host.empty() && url->port >= 1);
    FUZZ_CHECK(!url->target.empty() && url->target.front() == '/');
    FUZZ_CHECK(url->host.find_first_of("@/?#\\ ") == std::string::npos);
    auto again = ocr::jobs::ParseCallbackUrl(Rebuild(*url));
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->host == url->host && again->port == url->port &&
               again->target == url->target && again->address == url->address);
  }
  // The default policy: only public literal addresses, only http.
  const ocr::jobs::CallbackPolicy public_only;
  auto checked = public_only.Check(input);
  CheckRefusal(checked);
  if (checked.ok()) {
    FUZZ_CHECK(url.ok() && checked->scheme == "http");
    if (checked->address) {
      FUZZ_CHECK(ocr::jobs::IsPublicAddress(*checked->address));
      FUZZ_CHECK(public_only.CheckAddress(*checked, *checked->address).ok());
    } else {
      FUZZ_CHECK(checked->host != "localhost");
    }
  }
  // A policy naming hosts: whatever it accepts still parses.
  // Only the addresses it names may be non-public.
  auto allowed = named.Check(input);
  CheckRefusal(allowed);
  if (allowed.ok()) {
    FUZZ_CHECK(url.ok());
    if (allowed->address && !ocr::jobs::IsPublicAddress(*allowed->address)) {
      FUZZ_CHECK(allowed->host == "127.0.0.1" || allowed->host == "fd00::1");
    }
  }
}

void FuzzAllowList(std::string_view input) {
  auto policy = ocr::jobs::CallbackPolicy::Parse(input);
  CheckRefusal(policy);
  if (!policy.ok()) return;
  for (std::string_view url :
       {"http://127.0.0.1:8080/hook", "http://hooks.example.com/x",
        "http://[::1]:9000/", "http://a.svc.cluster.local:8080/",
        "http://localhost/", "http://8.8.8.8/"}) {
    auto checked = policy->Check(url);
    CheckRefusal(checked);
  }
}

// The same verdict for an IPv4 address and its IPv4-mapped IPv6 form.
void CheckMapped(const ip::address_v4& v4) {
  const ip::address_v6 mapped = ip::make_address_v6(ip::v4_mapped, v4);
  FUZZ_CHECK(ocr::jobs::IsPublicAddress(ip::address(v4)) ==
             ocr::jobs::IsPublicAddress(ip::address(mapped)));
  FUZZ_CHECK(ocr::jobs::IsNeverADestination(ip::address(v4)) ==
             ocr::jobs::IsNeverADestination(ip::address(mapped)));
}

void FuzzAddresses(std::string_view input) {
  boost::system::error_code ec;
  const ip::address parsed = ip::make_address(std::string(input), ec);
  if (!ec) {
    (void)ocr::jobs::NonPublicReason(parsed);
    if (parsed.is_v4()) CheckMapped(parsed.to_v4());
  }
  if (input.size() >= 4) {
    ip::address_v4::bytes_type b4;
    for (size_t i = 0; i < 4; ++i) b4[i] = static_cast<uint8_t>(input[i]);
    CheckMapped(ip::address_v4(b4));
  }
  if (input.size() >= 16) {
    ip::address_v6::bytes_type b6;
    for (size_t i = 0; i < 16; ++i) b6[i] = static_cast<uint8_t>(input[i]);
    const ip::address a{ip::address_v6(b6)};
    const std::string reason = ocr::jobs::NonPublicReason(a);
    // Never a destination implies not public.
    if (ocr::jobs::IsNeverADestination(a)) FUZZ_CHECK(!reason.empty());
  }
}

void FuzzSecret(std::string_view input) {
  auto key = ocr::jobs::ParseWebhookSecret(input);
  CheckRefusal(key);
  if (!key.ok()) return;
  FUZZ_CHECK(key->size() >= 16 && key->size() <= 512);
  auto again =
      ocr::jobs::ParseWebhookSecret(ocr::jobs::FormatWebhookSecret(*key));
  FUZZ_CHECK(again.ok() && *again == *key);
  // Signed with that key, the input verifies as a body, and not as another.
  const auto now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));
  const auto h = ocr::jobs::SignWebhook(*key, "msg_fuzz", 1735689600, input);
  FUZZ_CHECK(
      ocr::jobs::VerifyWebhook(*key, h.id, h.timestamp, h.signature, input, now)
          .ok());
  FUZZ_CHECK(!ocr::jobs::VerifyWebhook(*key, h.id, h.timestamp, h.signature,
                                       std::string(input) + "x", now)
                  .ok());
}

void FuzzAll(std::string_view input, const ocr::jobs::CallbackPolicy& named) {
  FuzzPrefer(input);
  FuzzIdempotencyKey(input);
  FuzzJobId(input);
  FuzzQueryValues(input);
  FuzzCallbackUrl(input, named);
  FuzzAllowList(input);
  FuzzAddresses(input);
  FuzzSecret(input);
  // Untrusted text in a signature header never verifies by accident.
  FUZZ_CHECK(!ocr::jobs::VerifyWebhook(std::string(32, 'k'), "msg_1",
                                       "1735689600", input, "{}",
                                       std::chrono::system_clock::time_point(
                                           std::chrono::seconds(1735689600)))
                  .ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ocr::jobs::CallbackPolicy named =
      *ocr::jobs::CallbackPolicy::Parse(
          "*, http://127.0.0.1:*, *.svc.cluster.local:8080, [fd00::1]:*");
  FUZZ_CHECK(ocr::jobs::ValidJobId(ocr::jobs::NewJobId()));
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzAll(input, named);
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) {
      if (start == 0) break;  // one line: done above
      end = input.size();
    }
    FuzzAll(input.substr(start, end - start), named);
    start = end + 1;
  }
  return 0;
}
