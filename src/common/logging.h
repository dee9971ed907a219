// Leveled, structured logging: one JSON object per line on stderr.
//   LOG_INFO("request", {{"request_id", id}, {"status", 200}});
// Thread-safe; a line is written with a single write so lines never interleave.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ocr {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug", "info", "warning"/"warn", "error".
bool ParseLogLevel(std::string_view text, LogLevel* level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

using LogValue = std::variant<std::string, std::string_view, const char*,
                              int64_t, uint64_t, int, double, bool>;
using LogField = std::pair<std::string_view, LogValue>;
using LogFields = std::vector<std::pair<std::string, LogValue>>;

void Log(LogLevel level, std::string_view message,
         std::initializer_list<LogField> fields = {},
         const LogFields* extra = nullptr);

}  // namespace ocr

#define LOG_DEBUG(...)                                  \
  do {                                                  \
    if (::ocr::LogEnabled(::ocr::LogLevel::kDebug))     \
      ::ocr::Log(::ocr::LogLevel::kDebug, __VA_ARGS__); \
  } while (0)
#define LOG_INFO(...) ::ocr::Log(::ocr::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARNING(...) ::ocr::Log(::ocr::LogLevel::kWarning, __VA_ARGS__)
#define LOG_ERROR(...) ::ocr::Log(::ocr::LogLevel::kError, __VA_ARGS__)
