// Callback URL syntax and the destination policy of --callback-allow
// (callback_policy.h).
#include "gateway/jobs/callback_policy.h"

#include <cstdint>

namespace ocr::jobs {
namespace {

namespace ip = boost::asio::ip;

constexpr size_t kMaxHostLength = 253;
constexpr size_t kMaxLabelLength = 63;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// The parts of an authority (without credentials): host text, whether it
// was bracketed, and the port text (nullopt when there is no ':').
struct Authority {
  std::string_view host;
  bool bracketed = false;
  std::optional<std::string_view> port;
};

StatusOr<Authority> SplitAuthority(std::string_view text,
                                   const std::string& what) {
  Authority a;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError(what +
                                  ": an IPv6 address has no closing ']'");
    }
    a.host = text.substr(1, close - 1);
    a.bracketed = true;
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return InvalidArgumentError(what + ": only ':port' may follow ']'");
    }
  } else {
    const size_t colon = text.find(':');
    a.host = text.substr(0, colon);
    if (colon != std::string_view::npos) rest = text.substr(colon);
  }
  if (!rest.empty()) a.port = rest.substr(1);
  return a;
}

// A host as written: a bracketed IPv6 address, a dotted-quad IPv4 address,
// or a DNS name. Sets *host (normalised) and *address (IP literals).
Status ParseHost(const Authority& a, const std::string& what, std::string* host,
                 std::optional<ip::address>* address) {
  if (a.bracketed) {
    if (a.host.find('%') != std::string_view::npos) {
      return InvalidArgumentError(what +
                                  ": IPv6 zone ids (%...) are not allowed");
    }
    boost::system::error_code ec;
    const ip::address_v6 v6 = ip::make_address_v6(std::string(a.host), ec);
    if (ec) {
      return InvalidArgumentError(what + ": [" + std::string(a.host) +
                                  "] is not an IPv6 address");
    }
    *address = ip::address(v6);
    *host = v6.to_string();
    return OkStatus();
  }
  std::string name = ToLower(a.host);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return InvalidArgumentError(what + " has no host");
  if (name.size() > kMaxHostLength) {
    return InvalidArgumentError(what +
                                ": the host name is longer than 253 "
                                "characters");
  }
  // A last label starting with a digit is an IPv4 address, which must then
  // be a plain dotted quad: resolvers also take 127.1, 0x7f.1 or 2130706433
  // for 127.0.0.1, which would slip past a check of names.
  const size_t last_dot = name.rfind('.');
  const size_t last_label = last_dot == std::string::npos ? 0 : last_dot + 1;
  if (last_label < name.size() && IsDigit(name[last_label])) {
    boost::system::error_code ec;
    const ip::address_v4 v4 = ip::make_address_v4(name, ec);
    if (ec) {
      return InvalidArgumentError(
          what + ": the host '" + name +
          "' is neither a dotted-quad IPv4 address nor a host name");
    }
    *address = ip::address(v4);
    *host = v4.to_string();
    return OkStatus();
  }
  size_t label_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      const size_t length = i - label_start;
      if (length == 0 || length > kMaxLabelLength) {
        return InvalidArgumentError(what + ": the host '" + name +
                                    "' has an empty or over-long label");
      }
      label_start = i + 1;
    } else if (!IsLower(name[i]) && !IsDigit(name[i]) && name[i] != '-') {
      return InvalidArgumentError(
          what +
          ": a host name may hold only letters, digits, '-' and '.' "
          "(write international names in punycode, xn--)");
    }
  }
  *host = std::move(name);
  address->reset();
  return OkStatus();
}

// "1".."65535"; false otherwise.
bool ParsePort(std::string_view text, uint16_t* port) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < 1 || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

uint16_t DefaultPort(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

bool HasSuffix(std::string_view name, std::string_view suffix) {
  return name.size() > suffix.size() && name.ends_with(suffix) &&
         name[name.size() - suffix.size() - 1] == '.';
}

// Names that are local by definition (RFC 6761, 6762, 8375 and common use).
bool IsLocalName(std::string_view name) {
  if (name.find('.') == std::string_view::npos) return true;  // one label
  for (std::string_view suffix :
       {"localhost", "local", "localdomain", "internal", "home.arpa"}) {
    if (name == suffix || HasSuffix(name, suffix)) return true;
  }
  return false;
}

}  // namespace

StatusOr<CallbackUrl> ParseCallbackUrl(std::string_view text) {
  const std::string what = "callback URL";
  if (text.size() > kMaxCallbackUrlLength) {
    return InvalidArgumentError(what + " is longer than " +
                                std::to_string(kMaxCallbackUrlLength) +
                                " characters");
  }
  for (char c : text) {
    if (c <= 0x20 || c > 0x7E || c == '\\') {
      return InvalidArgumentError(
          what +
          " must be printable ASCII without spaces or backslashes "
          "(percent-encode other characters)");
    }
  }
  CallbackUrl url;
  url.url = std::string(text);
  const size_t scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) {
    url.scheme = ToLower(text.substr(0, scheme_end));
  }
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidArgumentError(what + " must start with http:// or https://");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) {
    return InvalidArgumentError(what + " must not have a fragment (#...)");
  }
  const size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(
        what + " must not hold credentials (user@ or user:password@)");
  }
  ASSIGN_OR_RETURN(const Authority parts, SplitAuthority(authority, what));
  RETURN_IF_ERROR(ParseHost(parts, what, &url.host, &url.address));
  url.port = DefaultPort(url.scheme);
  if (parts.port && !ParsePort(*parts.port, &url.port)) {
    return InvalidArgumentError(what +
                                ": the port must be a number from 1 "
                                "to 65535");
  }
  url.target = authority_end == std::string_view::npos
                   ? "/"
                   : std::string(rest.substr(authority_end));
  if (url.target.front() == '?') url.target.insert(0, "/");
  return url;
}

StatusOr<CallbackPolicy::Pattern> CallbackPolicy::ParsePattern(
    std::string_view text) {
  const std::string what =
      "--callback-allow pattern '" + std::string(text) + "'";
  Pattern p;
  if (text == "*") {
    p.port = -1;
    return p;
  }
  const size_t scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) {
    p.scheme = ToLower(text.substr(0, scheme_end));
    if (p.scheme != "http" && p.scheme != "https") {
      return InvalidArgumentError(what + ": the scheme must be http or https");
    }
    text.remove_prefix(scheme_end + 3);
  }
  if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.find_first_of("/?#@\\") != std::string_view::npos) {
    return InvalidArgumentError(
        what +
        ": a pattern is [scheme://]host[:port], without path, query "
        "or credentials");
  }
  ASSIGN_OR_RETURN(const Authority parts, SplitAuthority(text, what));
  if (parts.port) {
    uint16_t port = 0;
    if (*parts.port == "*") {
      p.port = -1;
    } else if (ParsePort(*parts.port, &port)) {
      p.port = port;
    } else {
      return InvalidArgumentError(what + ": the port must be * or 1..65535");
    }
  }
  if (!parts.bracketed && parts.host == "*") {
    p.host_kind = Pattern::Host::kAnyPublic;
    return p;
  }
  Authority host_only = parts;
  if (!parts.bracketed && parts.host.starts_with("*.")) {
    p.host_kind = Pattern::Host::kSubdomains;
    host_only.host.remove_prefix(2);
  }
  std::optional<ip::address> address;
  RETURN_IF_ERROR(ParseHost(host_only, what, &p.host, &address));
  if (address) {
    if (p.host_kind == Pattern::Host::kSubdomains) {
      return InvalidArgumentError(what + ": '*.' must precede a host name");
    }
    p.host_kind = Pattern::Host::kAddress;
    p.address = address;
  } else if (p.host_kind != Pattern::Host::kSubdomains) {
    p.host_kind = Pattern::Host::kName;
  }
  return p;
}

StatusOr<CallbackPolicy> CallbackPolicy::Parse(std::string_view allow_list) {
  CallbackPolicy policy;
  policy.allow_list_ = std::string(Trim(allow_list));
  size_t start = 0;
  while (start <= allow_list.size()) {
    size_t comma = allow_list.find(',', start);
    if (comma == std::string_view::npos) comma = allow_list.size();
    const std::string_view item = Trim(allow_list.substr(start, comma - start));
    if (!item.empty()) {
      ASSIGN_OR_RETURN(Pattern p, ParsePattern(item));
      policy.patterns_.push_back(std::move(p));
    }
    start = comma + 1;
  }
  return policy;
}

bool CallbackPolicy::SchemeAndPortMatch(const Pattern& p,
                                        const CallbackUrl& url) {
  if (!p.scheme.empty() && p.scheme != url.scheme) return false;
  if (p.port == -1) return true;
  const int want = p.port == 0 ? DefaultPort(url.scheme) : p.port;
  return want == url.port;
}

bool CallbackPolicy::NamedByPattern(const CallbackUrl& url) const {
  for (const Pattern& p : patterns_) {
    if (!SchemeAndPortMatch(p, url)) continue;
    switch (p.host_kind) {
      case Pattern::Host::kAnyPublic:
        break;
      case Pattern::Host::kSubdomains:
        if (!url.address && HasSuffix(url.host, p.host)) return true;
        break;
      case Pattern::Host::kName:
        if (!url.address && url.host == p.host) return true;
        break;
      case Pattern::Host::kAddress:
        if (url.address && *url.address == *p.address) return true;
        break;
    }
  }
  return false;
}

bool CallbackPolicy::AllowsPublic(const CallbackUrl& url) const {
  if (patterns_.empty()) return true;
  for (const Pattern& p : patterns_) {
    if (p.host_kind == Pattern::Host::kAnyPublic &&
        SchemeAndPortMatch(p, url)) {
      return true;
    }
  }
  return false;
}

StatusOr<CallbackUrl> CallbackPolicy::Check(std::string_view text) const {
  ASSIGN_OR_RETURN(CallbackUrl url, ParseCallbackUrl(text));
  if (url.scheme == "https") {
    return InvalidArgumentError(
        "callback URL: https is not supported yet; use an http:// URL (the "
        "webhook is signed, not encrypted)");
  }
  if (url.address) RETURN_IF_ERROR(CheckAddress(url, *url.address));
  if (NamedByPattern(url)) return url;
  if (!AllowsPublic(url)) {
    return InvalidArgumentError(
        "callback URL is not allowed by the gateway's callback policy "
        "(--callback-allow)");
  }
  if (!url.address && IsLocalName(url.host)) {
    return InvalidArgumentError(
        "callback URL: the host '" + url.host +
        "' is a local name; only public hosts are allowed unless "
        "--callback-allow names the host");
  }
  return url;
}

Status CallbackPolicy::CheckAddress(const CallbackUrl& url,
                                    const ip::address& address) const {
  const std::string where = url.address ? "callback URL: the host " + url.host
                                        : "callback URL: the host '" +
                                              url.host + "' resolves to " +
                                              address.to_string() + ", which";
  if (IsNeverADestination(address)) {
    return InvalidArgumentError(
        where + " is not a destination (unspecified, multicast or broadcast)");
  }
  if (NamedByPattern(url)) return OkStatus();
  const std::string reason = NonPublicReason(address);
  if (!reason.empty()) {
    return InvalidArgumentError(where + " is " + reason +
                                "; only public addresses are allowed unless "
                                "--callback-allow names the host");
  }
  return OkStatus();
}

}  // namespace ocr::jobs
