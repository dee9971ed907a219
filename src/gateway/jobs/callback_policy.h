// Where the gateway may send a job's webhook: the callback URL's syntax and
// the destination policy of --callback-allow, so that a client cannot make
// the gateway POST into its own network (SSRF: loopback, the cluster, cloud
// metadata at 169.254.169.254).
//
// The policy is checked twice: at submission on the URL alone (Check, no
// DNS), and at delivery on every address its host resolves to
// (CheckAddress); the sender then connects to one of those checked
// addresses, never resolving again (webhook_sender.h).
//
// --callback-allow is a comma-separated list of patterns:
//   *                       any http URL whose host is (resolves only to)
//                           public addresses, on any port: the default when
//                           the list is empty
//   [scheme://]host[:port]  URLs of that host, scheme and port, whatever
//                           addresses the host has (private ones too: this is
//                           how an in-cluster receiver or a test on loopback
//                           is allowed)
// where scheme is http or https (omitted: either), port is a number or `*`
// (omitted: the scheme's default, 80 or 443), and host is
//   *.example.com           any name under example.com (not example.com)
//   example.com             that name exactly (case-insensitive)
//   10.1.2.3, [fd00::1]     that address, written as such in the URL
//   *                       any host, but only public addresses (as `*`,
//                           restricted to the scheme and port given)
// Patterns compare the host as written in the URL, never its addresses:
// `http://127.0.0.1:*` allows http://127.0.0.1:8080/hook, not
// http://localhost:8080/hook. A non-empty list allows only what it matches;
// list `*` as well to keep allowing any public receiver. Whatever the list,
// the unspecified address (0.0.0.0/8, ::), multicast and broadcast are
// refused, and a URL with credentials (user@) is refused.
//
// A host is public when none of its addresses is loopback, private (10/8,
// 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10),
// shared CGNAT (100.64/10), multicast, reserved or documentation space, or
// outside IPv6's global unicast 2000::/3; IPv4-mapped (::ffff:a.b.c.d) and
// NAT64 (64:ff9b::/96) addresses are judged by their IPv4 address. Without
// DNS, Check refuses the names that are local by definition: localhost and
// *.localhost, names without a dot, *.local, *.localdomain, *.internal,
// *.home.arpa (unless a pattern names them).
//
// Only http is delivered today: Check refuses https URLs, saying so.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gateway/jobs/public_address.h"

namespace ocr::jobs {

// The longest callback URL accepted.
inline constexpr size_t kMaxCallbackUrlLength = 2048;

// A callback URL, parsed and normalised.
struct CallbackUrl {
  std::string scheme;  // "http" or "https"
  // Lower case, without a trailing dot; an IPv6 literal without brackets.
  std::string host;
  std::optional<boost::asio::ip::address> address;  // host is an IP literal
  uint16_t port = 0;   // as written, or the scheme's default
  std::string target;  // path and query for the request line ("/" at least)
  std::string url;     // as given
};

// The syntax alone: http or https, an authority without credentials, a DNS
// name (letters, digits, '-'; a last label starting with a letter), a
// dotted-quad IPv4 or a bracketed IPv6 address without zone, an optional
// port 1..65535, then an optional path and query; no fragment; printable
// ASCII without spaces or backslashes; at most kMaxCallbackUrlLength.
// kInvalidArgument saying which rule failed.
StatusOr<CallbackUrl> ParseCallbackUrl(std::string_view url);

class CallbackPolicy {
 public:
  // The empty allow-list: any public address.
  CallbackPolicy() = default;

  // Parses --callback-allow (see above); blanks around patterns are
  // ignored. kInvalidArgument naming the pattern that does not parse.
  static StatusOr<CallbackPolicy> Parse(std::string_view allow_list);

  // At submission, without DNS: the URL's syntax, and the policy on what the
  // URL itself says (scheme, port, an IP literal, a local name). Returns the
  // parsed URL; kInvalidArgument saying why it is refused.
  StatusOr<CallbackUrl> Check(std::string_view url) const;

  // At delivery, for each address the host resolved to (and for an IP
  // literal, its address): whether the request may go there.
  // kInvalidArgument saying why not. `url` must have passed Check.
  Status CheckAddress(const CallbackUrl& url,
                      const boost::asio::ip::address& address) const;

  // The patterns, as given (for logs and --help).
  const std::string& allow_list() const { return allow_list_; }

 private:
  struct Pattern {
    enum class Host { kAnyPublic, kSubdomains, kName, kAddress };
    std::string scheme;  // "" for either
    Host host_kind = Host::kAnyPublic;
    std::string host;  // name or suffix (without "*.")
    std::optional<boost::asio::ip::address> address;
    int port = 0;  // 0: the scheme's default; -1: any
  };
  static StatusOr<Pattern> ParsePattern(std::string_view text);
  static bool SchemeAndPortMatch(const Pattern& pattern,
                                 const CallbackUrl& url);
  // A pattern that names the URL's host matches it.
  bool NamedByPattern(const CallbackUrl& url) const;
  // The list allows public hosts for this URL's scheme and port.
  bool AllowsPublic(const CallbackUrl& url) const;

  std::vector<Pattern> patterns_;  // empty: `*`
  std::string allow_list_;
};

}  // namespace ocr::jobs
