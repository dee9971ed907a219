// Callback URLs and the --callback-allow destination policy
// (gateway/jobs/callback_policy.h, public_address.h): tables of URLs,
// patterns and addresses.
#include "gateway/jobs/callback_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace ocr::jobs {
namespace {

namespace ip = boost::asio::ip;

ip::address Address(std::string_view text) {
  return ip::make_address(std::string(text));
}

TEST(CallbackUrlTest, ParsesAndNormalises) {
  auto url = ParseCallbackUrl("HTTP://Hooks.Example.COM./a/b?x=1&y=%20");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "hooks.example.com");
  EXPECT_FALSE(url->address);
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/a/b?x=1&y=%20");

  url = ParseCallbackUrl("https://[2001:DB8::1]:8443");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->host, "2001:db8::1");
  ASSERT_TRUE(url->address);
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/");

  url = ParseCallbackUrl("http://203.0.114.7:9?q");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->host, "203.0.114.7");
  EXPECT_EQ(url->target, "/?q");
}

TEST(CallbackUrlTest, RefusalsSayWhichRule) {
  const struct {
    std::string url;
    std::string says;
  } kCases[] = {
      {"ftp://example.com/", "http:// or https://"},
      {"example.com/hook", "http:// or https://"},
      {"http:/example.com", "http:// or https://"},
      {"http://user:pw@example.com/", "credentials"},
      {"http://example.com@127.0.0.1/", "credentials"},
      {"http://example.com/#frag", "fragment"},
      {"http://exa mple.com/", "printable ASCII"},
      {"http://example.com\\@127.0.0.1/", "backslashes"},
      {"http://caf\xc3\xa9.com/", "printable ASCII"},
      {"http://", "has no host"},
      {"http://:80/", "has no host"},
      {"http://example.com:0/", "port"},
      {"http://example.com:65536/", "port"},
      {"http://example.com:/", "port"},
      {"http://example.com:8o/", "port"},
      {"http://exa_mple.com/", "letters, digits"},
      {"http://a..b.com/", "empty or over-long label"},
      {"http://" + std::string(64, 'a') + ".com/", "over-long label"},
      {"http://127.1/", "dotted-quad"},
      {"http://2130706433/", "dotted-quad"},
      {"http://0x7f.0.0.1/", "dotted-quad"},
      {"http://0177.0.0.1/", "dotted-quad"},
      {"http://1.2.3.4.5/", "dotted-quad"},
      {"http://[::1/", "closing ']'"},
      {"http://[::1]x/", "only ':port'"},
      {"http://[fe80::1%25eth0]/", "zone"},
      {"http://[not:v6]/", "not an IPv6 address"},
      {"http://" + std::string(2100, 'a'), "longer than 2048"},
  };
  for (const auto& c : kCases) {
    auto url = ParseCallbackUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(url.status().message().find(c.says), std::string::npos)
        << c.url << ": " << url.status().message();
  }
}

TEST(PublicAddressTest, ClassifiesTheSpecialRanges) {
  const struct {
    const char* address;
    const char* says;  // "" for public
  } kCases[] = {
      {"8.8.8.8", ""},
      {"93.184.216.34", ""},
      {"100.63.255.255", ""},
      {"100.128.0.0", ""},
      {"172.15.255.255", ""},
      {"172.32.0.0", ""},
      {"192.169.0.1", ""},
      {"2606:4700:4700::1111", ""},
      {"::ffff:8.8.8.8", ""},
      {"64:ff9b::808:808", ""},
      {"0.0.0.0", "unspecified"},
      {"0.1.2.3", "unspecified"},
      {"10.0.0.1", "private address (10.0.0.0/8)"},
      {"100.64.0.1", "carrier-grade NAT"},
      {"100.127.255.254", "carrier-grade NAT"},
      {"127.0.0.1", "loopback"},
      {"127.255.255.254", "loopback"},
      {"169.254.169.254", "cloud metadata"},
      {"172.16.0.1", "private address (172.16.0.0/12)"},
      {"172.31.255.255", "private address (172.16.0.0/12)"},
      {"192.0.0.8", "IETF"},
      {"192.0.2.1", "documentation"},
      {"192.168.1.1", "private address (192.168.0.0/16)"},
      {"198.18.0.1", "benchmarking"},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"240.0.0.1", "reserved"},
      {"255.255.255.255", "broadcast"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"::ffff:127.0.0.1", "IPv4-mapped form of a loopback"},
      {"::ffff:169.254.169.254", "IPv4-mapped form of a link-local"},
      {"::ffff:10.1.2.3", "IPv4-mapped form of a private"},
      {"64:ff9b::7f00:1", "NAT64 form of a loopback"},
      {"::127.0.0.1", "IPv4-compatible"},
      {"fc00::1", "unique local"},
      {"fd12:3456::1", "unique local"},
      {"fe80::1", "link-local address (fe80::/10)"},
      {"febf::1", "link-local address (fe80::/10)"},
      {"fec0::1", "site-local"},
      {"ff02::1", "multicast"},
      {"2001:db8::1", "documentation"},
      {"2001:0:4136:e378::1", "Teredo"},
      {"2002:7f00:1::1", "6to4"},
      {"100::1", "outside 2000::/3"},
      {"4000::1", "outside 2000::/3"},
  };
  for (const auto& c : kCases) {
    const std::string reason = NonPublicReason(Address(c.address));
    if (*c.says == '\0') {
      EXPECT_EQ(reason, "") << c.address;
      EXPECT_TRUE(IsPublicAddress(Address(c.address))) << c.address;
    } else {
      EXPECT_NE(reason.find(c.says), std::string::npos)
          << c.address << ": '" << reason << "'";
    }
  }
}

TEST(PublicAddressTest, NeverADestination) {
  for (const char* a :
       {"0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255",
        "::ffff:0.0.0.0", "::ffff:239.1.1.1"}) {
    EXPECT_TRUE(IsNeverADestination(Address(a))) << a;
  }
  for (const char* a : {"127.0.0.1", "10.0.0.1", "::1", "8.8.8.8"}) {
    EXPECT_FALSE(IsNeverADestination(Address(a))) << a;
  }
}

CallbackPolicy Policy(std::string_view allow) {
  auto policy = CallbackPolicy::Parse(allow);
  EXPECT_TRUE(policy.ok()) << allow << ": " << policy.status().message();
  return policy.ok() ? *policy : CallbackPolicy();
}

// Check's verdict: "" when allowed, else the refusal message.
std::string Verdict(const CallbackPolicy& policy, std::string_view url) {
  auto checked = policy.Check(url);
  if (checked.ok()) return "";
  EXPECT_EQ(checked.status().code(), StatusCode::kInvalidArgument);
  return checked.status().message();
}

TEST(CallbackPolicyTest, TheDefaultAllowsPublicHostsOnly) {
  const CallbackPolicy policy;
  EXPECT_EQ(Verdict(policy, "http://hooks.example.com/ocr"), "");
  EXPECT_EQ(Verdict(policy, "http://hooks.example.com:8080/ocr"), "");
  EXPECT_EQ(Verdict(policy, "http://8.8.8.8/x"), "");
  EXPECT_EQ(Verdict(policy, "http://[2606:4700::1]/x"), "");
  const struct {
    const char* url;
    const char* says;
  } kRefused[] = {
      {"http://127.0.0.1:8080/", "loopback"},
      {"http://10.0.0.8/", "private"},
      {"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
      {"http://100.64.1.1/", "carrier-grade NAT"},
      {"http://[::1]/", "loopback"},
      {"http://[::ffff:127.0.0.1]/", "IPv4-mapped"},
      {"http://[fd00::1]/", "unique local"},
      {"http://[fe80::1]/", "link-local"},
      {"http://0.0.0.0/", "not a destination"},
      {"http://224.0.0.1/", "not a destination"},
      {"http://localhost/", "local name"},
      {"http://LOCALHOST./", "local name"},
      {"http://api.localhost/", "local name"},
      {"http://metadata/", "local name"},
      {"http://metadata.google.internal/", "local name"},
      {"http://printer.local/", "local name"},
      {"http://router.home.arpa/", "local name"},
      {"https://hooks.example.com/", "https is not supported"},
  };
  for (const auto& c : kRefused) {
    const std::string verdict = Verdict(policy, c.url);
    EXPECT_NE(verdict.find(c.says), std::string::npos)
        << c.url << ": '" << verdict << "'";
  }
}

TEST(CallbackPolicyTest, PatternsNameHostsThatMayBePrivate) {
  const CallbackPolicy policy = Policy(
      " http://127.0.0.1:* , *.svc.cluster.local:8080,"
      "http://[::1]:9000, receiver.internal ");
  EXPECT_EQ(Verdict(policy, "http://127.0.0.1:41234/hook"), "");
  EXPECT_EQ(Verdict(policy, "http://127.0.0.1/hook"), "");
  EXPECT_EQ(Verdict(policy, "http://hooks.ocr.svc.cluster.local:8080/"), "");
  EXPECT_EQ(Verdict(policy, "http://[::1]:9000/"), "");
  EXPECT_EQ(Verdict(policy, "http://receiver.internal/"), "");
  // Not named: the host as written must match, scheme and port too.
  for (const char* url :
       {"http://localhost:41234/", "http://127.0.0.2/",
        "http://svc.cluster.local:8080/", "http://a.svc.cluster.local/",
        "http://[::1]:9001/", "http://receiver.internal:81/",
        "http://hooks.example.com/"}) {
    EXPECT_NE(Verdict(policy, url), "") << url;
  }
  // Without `*` in the list, public hosts are no longer allowed.
  EXPECT_NE(Verdict(policy, "http://8.8.8.8/").find("callback policy"),
            std::string::npos);
  // Still never a destination, whatever the list names.
  EXPECT_NE(Verdict(Policy("http://0.0.0.0:*"), "http://0.0.0.0:80/"), "");
}

TEST(CallbackPolicyTest, StarKeepsPublicHostsAlongsideNamedOnes) {
  const CallbackPolicy policy = Policy("*,http://10.0.0.5:8080");
  EXPECT_EQ(Verdict(policy, "http://hooks.example.com/"), "");
  EXPECT_EQ(Verdict(policy, "http://10.0.0.5:8080/"), "");
  EXPECT_NE(Verdict(policy, "http://10.0.0.6:8080/"), "");
  // `*` with a scheme and port: public hosts on that port only.
  const CallbackPolicy port_only = Policy("http://*:8443");
  EXPECT_EQ(Verdict(port_only, "http://hooks.example.com:8443/"), "");
  EXPECT_NE(Verdict(port_only, "http://hooks.example.com/"), "");
  EXPECT_NE(Verdict(port_only, "http://127.0.0.1:8443/"), "");
}

TEST(CallbackPolicyTest, CheckAddressAfterResolution) {
  const CallbackPolicy policy = Policy("*, http://hooks.cluster.test:*");
  const CallbackUrl public_url = *policy.Check("http://hooks.example.com/");
  EXPECT_TRUE(policy.CheckAddress(public_url, Address("93.184.216.34")).ok());
  EXPECT_TRUE(policy.CheckAddress(public_url, Address("2606:4700::1")).ok());
  for (const char* a : {"127.0.0.1", "10.1.1.1", "169.254.169.254", "::1",
                        "::ffff:192.168.0.1", "fd00::2", "0.0.0.0"}) {
    const Status s = policy.CheckAddress(public_url, Address(a));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << a;
    EXPECT_NE(s.message().find(std::string("resolves to ") + a),
              std::string::npos)
        << s.message();
  }
  // A named host may resolve to private addresses, never to unspecified.
  const CallbackUrl named = *policy.Check("http://hooks.cluster.test:8080/");
  EXPECT_TRUE(policy.CheckAddress(named, Address("10.1.1.1")).ok());
  EXPECT_TRUE(policy.CheckAddress(named, Address("127.0.0.1")).ok());
  EXPECT_FALSE(policy.CheckAddress(named, Address("0.0.0.0")).ok());
}

TEST(CallbackPolicyTest, BadPatternsAreRefusedByName) {
  for (const char* bad :
       {"ftp://x.com", "http://x.com/path", "http://x.com:99999",
        "http://x.com:abc", "user@x.com", "*.10.0.0.1", "*.", "http://",
        "x.com?q", "[::1", "exa mple.com"}) {
    auto policy = CallbackPolicy::Parse(bad);
    ASSERT_FALSE(policy.ok()) << bad;
    EXPECT_NE(policy.status().message().find("--callback-allow pattern '"),
              std::string::npos)
        << policy.status().message();
  }
  EXPECT_TRUE(CallbackPolicy::Parse("").ok());
  EXPECT_TRUE(CallbackPolicy::Parse(" , ,").ok());
}

}  // namespace
}  // namespace ocr::jobs
