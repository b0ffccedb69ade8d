#include "services/gateway/identity/trusted_proxies.h"

#include <gtest/gtest.h>

namespace datamesh::gateway {
namespace {

TrustedProxies Proxies(std::string_view list) {
  absl::StatusOr<TrustedProxies> p = TrustedProxies::Parse(list);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : TrustedProxies();
}

TEST(TrustedProxies, ParsesV4AndV6RangesAndRefusesGarbage) {
  TrustedProxies p = Proxies("10.0.0.0/8, 192.168.1.7, fd00::/8");
  EXPECT_TRUE(p.Contains("10.200.3.4"));
  EXPECT_TRUE(p.Contains("192.168.1.7"));
  EXPECT_FALSE(p.Contains("192.168.1.8"));
  EXPECT_TRUE(p.Contains("fd12::1"));
  EXPECT_FALSE(p.Contains("fe80::1"));
  EXPECT_FALSE(p.Contains("not-an-ip"));
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/x").ok());
  EXPECT_FALSE(TrustedProxies::Parse("example.com").ok());
  EXPECT_TRUE(Proxies("").empty());
}

TEST(TrustedProxies, HeaderFromAnUntrustedPeerIsIgnored) {
  TrustedProxies p = Proxies("10.0.0.0/8");
  EXPECT_EQ(p.ClientIp("203.0.113.9", "198.51.100.1"), "203.0.113.9");
  EXPECT_EQ(Proxies("").ClientIp("10.0.0.1", "198.51.100.1"), "10.0.0.1");
}

TEST(TrustedProxies, TheClientIsTheRightmostAddressThatIsNotAProxy) {
  TrustedProxies p = Proxies("10.0.0.0/8");
  // The client forged "1.2.3.4"; the Ingress appended what it saw, then a second proxy did.
  EXPECT_EQ(p.ClientIp("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.5"), "198.51.100.7");
  EXPECT_EQ(p.ClientIp("10.0.0.2", " 198.51.100.7 "), "198.51.100.7");
  // Only proxies in the chain: the leftmost is as far as it goes.
  EXPECT_EQ(p.ClientIp("10.0.0.2", "10.1.1.1"), "10.1.1.1");
  // Garbage stops the walk at the last good hop.
  EXPECT_EQ(p.ClientIp("10.0.0.2", "198.51.100.7, \xff\xfe, 10.0.0.3"), "10.0.0.3");
  EXPECT_EQ(p.ClientIp("10.0.0.2", std::nullopt), "10.0.0.2");
}

}  // namespace
}  // namespace datamesh::gateway
