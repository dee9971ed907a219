// Standard base64 (RFC 4648, "+/" alphabet) with padding.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ocr::base64 {

std::string Encode(std::string_view bytes);

// Appends the encoding of `bytes` to `out` (no intermediate copy).
void EncodeAppend(std::string& out, std::string_view bytes);

// Decodes strict base64. Padding is optional; ASCII whitespace (as in MIME
// line-wrapped input) is skipped. Anything else returns kInvalidArgument naming
// the offending offset.
StatusOr<std::string> Decode(std::string_view text);

}  // namespace ocr::base64
