// Parsers of the jobs API's request headers and query values
// (job_request.h).
#include "gateway/jobs/job_request.h"

#include <string>
#include <vector>

namespace ocr::jobs {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsSpaceOrTab(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpaceOrTab(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if (IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// Splits `s` at every `separator` outside a quoted-string (a backslash inside
// quotes escapes the next byte). An unterminated quote runs to the end.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view s,
                                                 char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == separator) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(std::min(start, s.size())));
  return parts;
}

// A quoted-string of RFC 9110 (the whole of `s`), unescaped into *out.
bool ParseQuotedString(std::string_view s, std::string* out) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  out->clear();
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return false;
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;  // escapes the closing quote
      c = static_cast<unsigned char>(s[++i]);
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
    out->push_back(static_cast<char>(c));
  }
  return true;
}

// `token [= (token | quoted-string)]` with optional whitespace around '=';
// false when it does not parse.
bool ParseNameValue(std::string_view piece, std::string_view* name,
                    std::string* value) {
  piece = TrimSpaces(piece);
  size_t i = 0;
  while (i < piece.size() && IsTokenChar(piece[i])) ++i;
  if (i == 0) return false;
  *name = piece.substr(0, i);
  value->clear();
  std::string_view rest = TrimSpaces(piece.substr(i));
  if (rest.empty()) return true;
  if (rest.front() != '=') return false;
  rest = TrimSpaces(rest.substr(1));
  if (!rest.empty() && rest.front() == '"') {
    return ParseQuotedString(rest, value);
  }
  if (rest.empty()) return false;
  for (char c : rest) {
    if (!IsTokenChar(c)) return false;
  }
  value->assign(rest);
  return true;
}

// delta-seconds, saturated at kMaxWaitSeconds.
std::optional<int> ParseDeltaSeconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int seconds = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    seconds = std::min(kMaxWaitSeconds, seconds * 10 + (c - '0'));
  }
  return seconds;
}

}  // namespace

void ParsePreferHeader(std::string_view value, Preferences* prefs) {
  // respond-async is a flag, so only `wait` needs the first-wins rule, kept
  // across header lines in prefs->wait_seen.
  for (std::string_view element : SplitOutsideQuotes(value, ',')) {
    if (TrimSpaces(element).empty()) continue;
    const std::vector<std::string_view> pieces =
        SplitOutsideQuotes(element, ';');
    std::string_view name;
    std::string word;
    if (!ParseNameValue(pieces[0], &name, &word)) continue;
    bool parameters_parse = true;
    for (size_t i = 1; i < pieces.size() && parameters_parse; ++i) {
      if (TrimSpaces(pieces[i]).empty()) continue;  // `;;` is allowed
      std::string_view parameter;
      std::string parameter_value;
      parameters_parse =
          ParseNameValue(pieces[i], &parameter, &parameter_value);
    }
    if (!parameters_parse) continue;
    if (EqualsIgnoreCase(name, "respond-async")) {
      prefs->respond_async = true;
    } else if (EqualsIgnoreCase(name, "wait") && !prefs->wait_seen) {
      prefs->wait_seen = true;
      prefs->wait_seconds = ParseDeltaSeconds(word);
    }
  }
}

Preferences ParsePrefer(const Request& request) {
  Preferences prefs;
  auto [begin, end] = request.equal_range(http::field::prefer);
  for (auto it = begin; it != end; ++it) {
    ParsePreferHeader(it->value(), &prefs);
  }
  return prefs;
}

StatusOr<std::string> ParseIdempotencyKey(std::string_view value) {
  value = TrimSpaces(value);
  std::string key;
  if (!value.empty() && value.front() == '"') {
    size_t i = 1;
    for (; i < value.size() && value[i] != '"'; ++i) {
      char c = value[i];
      if (c == '\\') {
        if (i + 1 >= value.size() ||
            (value[i + 1] != '"' && value[i + 1] != '\\')) {
          return InvalidArgumentError(
              "Idempotency-Key: in a quoted key a backslash may only escape "
              "'\"' or '\\'");
        }
        c = value[++i];
      }
      if (c < 0x20 || c > 0x7E) {
        return InvalidArgumentError(
            "Idempotency-Key must hold printable ASCII characters only");
      }
      key.push_back(c);
    }
    if (i >= value.size()) {
      return InvalidArgumentError(
          "Idempotency-Key: the quoted key has no closing '\"'");
    }
    if (i + 1 != value.size()) {
      return InvalidArgumentError(
          "Idempotency-Key: nothing may follow the quoted key");
    }
  } else {
    for (char c : value) {
      if (c <= 0x20 || c > 0x7E || c == '"' || c == '\\') {
        return InvalidArgumentError(
            "Idempotency-Key must be a quoted string (\"...\") or a bare "
            "value of visible ASCII characters without spaces, quotes or "
            "backslashes");
      }
    }
    key.assign(value);
  }
  if (key.empty()) {
    return InvalidArgumentError("Idempotency-Key must not be empty");
  }
  if (key.size() > kMaxIdempotencyKeyLength) {
    return InvalidArgumentError("Idempotency-Key must be at most " +
                                std::to_string(kMaxIdempotencyKeyLength) +
                                " characters long");
  }
  return key;
}

StatusOr<std::optional<std::string>> IdempotencyKeyOf(const Request& request) {
  auto [begin, end] = request.equal_range("Idempotency-Key");
  if (begin == end) return std::optional<std::string>();
  if (std::next(begin) != end) {
    return InvalidArgumentError("Idempotency-Key must appear at most once");
  }
  ASSIGN_OR_RETURN(std::string key, ParseIdempotencyKey(begin->value()));
  return std::optional<std::string>(std::move(key));
}

StatusOr<std::chrono::milliseconds> ParseWaitQuery(std::string_view value) {
  const auto refuse = [] {
    return InvalidArgumentError("wait must be a number of seconds from 0 to " +
                                std::to_string(kMaxWaitSeconds) +
                                " (digits, with an optional "
                                "fraction: 10, 2.5)");
  };
  const size_t dot = value.find('.');
  const std::string_view whole = value.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos
                                        ? std::string_view()
                                        : value.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) {
    return refuse();
  }
  int64_t seconds = 0;
  for (char c : whole) {
    if (!IsDigit(c)) return refuse();
    seconds = std::min<int64_t>(seconds * 10 + (c - '0'), kMaxWaitSeconds + 1);
  }
  int64_t ms = 0;
  bool fraction_nonzero = false;
  for (size_t i = 0; i < fraction.size(); ++i) {
    const char c = fraction[i];
    if (!IsDigit(c)) return refuse();
    if (c != '0') fraction_nonzero = true;
    if (i < 3) ms = ms * 10 + (c - '0');
  }
  for (size_t i = fraction.size(); i < 3; ++i) ms *= 10;
  if (seconds > kMaxWaitSeconds ||
      (seconds == kMaxWaitSeconds && fraction_nonzero)) {
    return refuse();
  }
  return std::chrono::milliseconds(seconds * 1000 + ms);
}

StatusOr<int64_t> ParseAfterCursor(std::string_view value) {
  const auto refuse = [] {
    return InvalidArgumentError("after must be an integer from 0 to " +
                                std::to_string(kMaxCursorExclusive - 1) +
                                " (a done_seq of the stream)");
  };
  if (value.empty()) return refuse();
  int64_t cursor = 0;
  for (char c : value) {
    if (!IsDigit(c)) return refuse();
    cursor = cursor * 10 + (c - '0');
    if (cursor >= kMaxCursorExclusive) return refuse();
  }
  return cursor;
}

}  // namespace ocr::jobs
