// Which IP addresses a webhook may be sent to without the allow-list naming
// them: public unicast addresses only (callback_policy.h says why).
//
// Not public: loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16,
// fc00::/7), link-local (169.254/16 with cloud metadata, fe80::/10), shared
// CGNAT (100.64/10), unspecified (0/8, ::), multicast, reserved (240/4 and
// broadcast), IETF, documentation, benchmarking and 6to4-relay ranges,
// IPv4-compatible (::/96), site-local (fec0::/10), Teredo (2001::/32), 6to4
// (2002::/16), and all of IPv6 outside global unicast 2000::/3.
// IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are judged
// by their embedded IPv4 address.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>

namespace ocr::jobs {

// Why `address` is not public, e.g. "a private address (10.0.0.0/8)"; ""
// when it is public.
std::string NonPublicReason(const boost::asio::ip::address& address);

inline bool IsPublicAddress(const boost::asio::ip::address& address) {
  return NonPublicReason(address).empty();
}

// Addresses no TCP request can go to, whatever the allow-list says: the
// unspecified ones (0.0.0.0/8, ::), multicast, and the broadcast address
// (also in their IPv4-mapped forms).
bool IsNeverADestination(const boost::asio::ip::address& address);

}  // namespace ocr::jobs
