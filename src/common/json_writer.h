// Small, fast helpers for writing JSON by appending to a string. Building the
// few response shapes of this project by hand is ~100x faster than a DOM
// (see bench/micro/json_bench.cc) and keeps the big text fields copy-once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ocr::json {

// Appends `s` as a quoted JSON string. Invalid UTF-8 sequences are replaced by
// U+FFFD so the output is always valid JSON, whatever bytes `s` holds.
void AppendString(std::string& out, std::string_view s);

// Returns `s` as a quoted JSON string.
std::string Quote(std::string_view s);

// {"error": "<message>"}: the model service's error body.
std::string ErrorBody(std::string_view message);

}  // namespace ocr::json
