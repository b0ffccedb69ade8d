#include "shared/server/common_options.h"

#include <gtest/gtest.h>

namespace datamesh::server {
namespace {

TEST(AdvertisedAddress, UsesTheBindHostOrTheExplicitOne) {
  CommonOptions o;
  EXPECT_EQ(AdvertisedAddress(o, "127.0.0.1:0", 41000), "127.0.0.1:41000");
  o.advertise_host = "auth-0.auth";
  EXPECT_EQ(AdvertisedAddress(o, "0.0.0.0:7001", 7001), "auth-0.auth:7001");
}

TEST(AdvertisedAddress, ReplacesAWildcardWithTheHostname) {
  CommonOptions o;
  std::string a = AdvertisedAddress(o, "0.0.0.0:7001", 7001);
  EXPECT_EQ(a.find("0.0.0.0"), std::string::npos);
  EXPECT_EQ(a.substr(a.size() - 5), ":7001");
}

}  // namespace
}  // namespace datamesh::server
