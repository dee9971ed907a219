// Which addresses are public (public_address.h).
#include "gateway/jobs/public_address.h"

#include <array>
#include <cstdint>
#include <initializer_list>

namespace ocr::jobs {
namespace {

namespace ip = boost::asio::ip;

struct V4Range {
  uint32_t network;
  int prefix;
  const char* reason;
};

constexpr uint32_t V4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

constexpr std::array<V4Range, 15> kNonPublicV4 = {{
    {V4(0, 0, 0, 0), 8, "the unspecified network (0.0.0.0/8)"},
    {V4(10, 0, 0, 0), 8, "a private address (10.0.0.0/8)"},
    {V4(100, 64, 0, 0), 10, "a carrier-grade NAT address (100.64.0.0/10)"},
    {V4(127, 0, 0, 0), 8, "a loopback address (127.0.0.0/8)"},
    {V4(169, 254, 0, 0), 16,
     "a link-local address (169.254.0.0/16, cloud metadata)"},
    {V4(172, 16, 0, 0), 12, "a private address (172.16.0.0/12)"},
    {V4(192, 0, 0, 0), 24, "an IETF protocol address (192.0.0.0/24)"},
    {V4(192, 0, 2, 0), 24, "a documentation address (192.0.2.0/24)"},
    {V4(192, 88, 99, 0), 24, "a 6to4 relay address (192.88.99.0/24)"},
    {V4(192, 168, 0, 0), 16, "a private address (192.168.0.0/16)"},
    {V4(198, 18, 0, 0), 15, "a benchmarking address (198.18.0.0/15)"},
    {V4(198, 51, 100, 0), 24, "a documentation address (198.51.100.0/24)"},
    {V4(203, 0, 113, 0), 24, "a documentation address (203.0.113.0/24)"},
    {V4(224, 0, 0, 0), 4, "a multicast address (224.0.0.0/4)"},
    {V4(240, 0, 0, 0), 4, "a reserved or broadcast address (240.0.0.0/4)"},
}};

std::string V4Reason(const ip::address_v4& address) {
  const uint32_t a = address.to_uint();
  for (const V4Range& r : kNonPublicV4) {
    const uint32_t mask = ~uint32_t{0} << (32 - r.prefix);
    if ((a & mask) == r.network) return r.reason;
  }
  return "";
}

using V6Bytes = ip::address_v6::bytes_type;

// Whether the first `bits` bits of `a` are those of `prefix` (written out as
// up to 16 bytes, the rest zero).
bool InPrefix(const V6Bytes& a, std::initializer_list<uint8_t> prefix,
              int bits) {
  V6Bytes p{};
  std::copy(prefix.begin(), prefix.end(), p.begin());
  for (int i = 0; i < bits; ++i) {
    const int shift = 7 - i % 8;
    if (((a[i / 8] >> shift) & 1) != ((p[i / 8] >> shift) & 1)) return false;
  }
  return true;
}

ip::address_v4 LastFourBytes(const V6Bytes& a) {
  return ip::address_v4(ip::address_v4::bytes_type{a[12], a[13], a[14], a[15]});
}

std::string V6Reason(const ip::address_v6& address) {
  const V6Bytes a = address.to_bytes();
  if (address.is_unspecified()) return "the unspecified address (::)";
  if (address.is_loopback()) return "the loopback address (::1)";
  if (InPrefix(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96)) {
    const std::string v4 = V4Reason(LastFourBytes(a));
    return v4.empty() ? "" : "an IPv4-mapped form of " + v4;
  }
  if (InPrefix(a, {0, 0x64, 0xff, 0x9b}, 96)) {
    const std::string v4 = V4Reason(LastFourBytes(a));
    return v4.empty() ? "" : "a NAT64 form of " + v4;
  }
  if (InPrefix(a, {}, 96)) {
    return "an IPv4-compatible address (::/96, deprecated)";
  }
  if (InPrefix(a, {0xfc}, 7)) return "a unique local address (fc00::/7)";
  if (InPrefix(a, {0xfe, 0x80}, 10)) return "a link-local address (fe80::/10)";
  if (InPrefix(a, {0xfe, 0xc0}, 10)) return "a site-local address (fec0::/10)";
  if (InPrefix(a, {0xff}, 8)) return "a multicast address (ff00::/8)";
  if (!InPrefix(a, {0x20}, 3)) {
    return "not a global unicast address (outside 2000::/3)";
  }
  if (InPrefix(a, {0x20, 0x01, 0, 0}, 32))
    return "a Teredo address (2001::/32)";
  if (InPrefix(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) {
    return "a documentation address (2001:db8::/32)";
  }
  if (InPrefix(a, {0x20, 0x01, 0, 0x02}, 48)) {
    return "a benchmarking address (2001:2::/48)";
  }
  if (InPrefix(a, {0x20, 0x02}, 16)) return "a 6to4 address (2002::/16)";
  return "";
}

}  // namespace

std::string NonPublicReason(const ip::address& address) {
  return address.is_v4() ? V4Reason(address.to_v4())
                         : V6Reason(address.to_v6());
}

bool IsNeverADestination(const ip::address& address) {
  if (address.is_unspecified() || address.is_multicast()) return true;
  ip::address_v4 v4;
  if (address.is_v4()) {
    v4 = address.to_v4();
  } else if (address.to_v6().is_v4_mapped()) {
    v4 = ip::make_address_v4(ip::v4_mapped, address.to_v6());
  } else {
    return false;
  }
  const uint32_t a = v4.to_uint();
  return (a >> 24) == 0 || (a >> 28) == 0xE || a == 0xFFFFFFFF;
}

}  // namespace ocr::jobs
