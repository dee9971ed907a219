// What a client says about an asynchronous job in its request's headers and
// query: the Prefer header (RFC 7240: respond-async, wait), the
// Idempotency-Key header (IETF httpapi draft), and the long-poll `wait` and
// NDJSON cursor `after` query values. Pure functions over untrusted text:
// they never throw, and their refusals are kInvalidArgument saying which rule
// the value broke (tests/fuzz/job_request_fuzzer.cc fuzzes every one).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_types.h"

namespace ocr::jobs {

// The longest wait a client may ask for, in seconds (Prefer and ?wait).
inline constexpr int kMaxWaitSeconds = 60;

// The preferences of the Prefer headers that the jobs API honours.
struct Preferences {
  bool respond_async = false;
  // `wait=N` (delta-seconds), capped at kMaxWaitSeconds; nullopt when absent
  // or not a number.
  std::optional<int> wait_seconds;
  // A `wait` preference was seen (only the first one counts, even when its
  // value is not a number).
  bool wait_seen = false;
};

// Adds the preferences of one Prefer header value to *prefs. Grammar (RFC
// 7240 section 2): comma-separated preferences, each
// `token [= (token | quoted-string)] *( ";" token [= ...] )`; names are
// case-insensitive, whitespace around tokens, '=' and ';' is skipped. A
// preference that does not parse is ignored (up to its comma), as is any
// preference after the first of the same name (section 2: the first one
// counts). Call it once per header line, in order, on the same *prefs.
void ParsePreferHeader(std::string_view value, Preferences* prefs);

// Every Prefer header of `request`, in order.
Preferences ParsePrefer(const Request& request);

// The longest Idempotency-Key, after unquoting.
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

// One Idempotency-Key header value: a Structured Field string
// (`"..."` with `\"` and `\\` as its only escapes), or, for hand-typed curl
// commands, a bare value of visible ASCII without quotes or backslashes.
// Surrounding spaces and tabs are trimmed. The key, unquoted, must be 1 to
// 255 printable ASCII characters (space to '~'). Returns the unquoted key.
StatusOr<std::string> ParseIdempotencyKey(std::string_view value);

// The Idempotency-Key of `request`: nullopt when it has none;
// kInvalidArgument when the value is malformed or the header repeats.
StatusOr<std::optional<std::string>> IdempotencyKeyOf(const Request& request);

// The `wait` query value of a long poll: seconds from 0 to kMaxWaitSeconds,
// written as digits with an optional fraction ("2", "0.5", "60.0"; no sign,
// exponent or spaces). Values past the limit are refused, not clamped.
// Sub-millisecond digits are dropped.
StatusOr<std::chrono::milliseconds> ParseWaitQuery(std::string_view value);

// The cursor limit of `after`: 2^53, so JSON readers that keep numbers as
// doubles (JavaScript) hold every cursor exactly.
inline constexpr int64_t kMaxCursorExclusive = int64_t{1} << 53;

// The `after` query value of the NDJSON page stream: a decimal integer from 0
// to 2^53 - 1 (digits only; leading zeros allowed).
StatusOr<int64_t> ParseAfterCursor(std::string_view value);

}  // namespace ocr::jobs
