#include "services/gateway/grpc/call_metadata.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "services/gateway/identity/bearer_token.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::gateway::public_grpc {
namespace {

using ::datamesh::testing::StatusIs;

// gRPC hands metadata as string_refs into its own buffers; these strings play that part.
class MetadataTest : public ::testing::Test {
 protected:
  void Add(const std::string& key, const std::string& value) {
    storage_.push_back(key);
    storage_.push_back(value);
  }
  ClientMetadata Build() const {
    ClientMetadata m;
    for (size_t i = 0; i + 1 < storage_.size(); i += 2) {
      m.emplace(grpc::string_ref(storage_[i]), grpc::string_ref(storage_[i + 1]));
    }
    return m;
  }
  std::deque<std::string> storage_;
};

TEST_F(MetadataTest, ValueOfPresentAndAbsentKeys) {
  Add("authorization", "Bearer s3cret");
  const ClientMetadata m = Build();
  ASSERT_TRUE(MetadataValue(m, "authorization").has_value());
  EXPECT_EQ(*MetadataValue(m, "authorization"), "Bearer s3cret");
  EXPECT_FALSE(MetadataValue(m, "x-request-id").has_value());
}

TEST_F(MetadataTest, ClientRequestIdKeptWhenValid) {
  Add("x-request-id", "abc.DEF_123-x");
  EXPECT_EQ(RequestIdOf(Build()), "abc.DEF_123-x");
}

TEST_F(MetadataTest, InvalidOrMissingRequestIdReplaced) {
  const std::string generated = RequestIdOf(Build());
  EXPECT_EQ(generated.size(), 32u);
  EXPECT_NE(RequestIdOf(Build()), generated);
  Add("x-request-id", "has space");
  const std::string replaced = RequestIdOf(Build());
  EXPECT_NE(replaced, "has space");
  EXPECT_EQ(replaced.size(), 32u);
}

TEST_F(MetadataTest, TooLongRequestIdReplaced) {
  Add("x-request-id", std::string(129, 'a'));
  EXPECT_EQ(RequestIdOf(Build()).size(), 32u);
}

TEST(PeerIpTest, TransportsOfGrpcPeers) {
  EXPECT_EQ(PeerIp("ipv4:10.1.2.3:45678"), "10.1.2.3");
  EXPECT_EQ(PeerIp("ipv6:[::1]:5000"), "::1");
  EXPECT_EQ(PeerIp("ipv6:[2001:db8::7]:443"), "2001:db8::7");
  EXPECT_EQ(PeerIp("unix:/tmp/socket"), "");
  EXPECT_EQ(PeerIp(""), "");
}

// The metadata value goes through the same parser as the REST header.
TEST(BearerTokenTest, MetadataValues) {
  absl::StatusOr<std::string> secret = BearerToken(std::optional<std::string_view>("Bearer abc"));
  ASSERT_OK(secret);
  EXPECT_EQ(*secret, "abc");
  secret = BearerToken(std::optional<std::string_view>("bEaReR   xyz  "));
  ASSERT_OK(secret);
  EXPECT_EQ(*secret, "xyz");
  EXPECT_THAT(BearerToken(std::nullopt), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(BearerToken(std::optional<std::string_view>("Basic dXNlcjpwdw==")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(BearerToken(std::optional<std::string_view>("Bearer ")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(BearerToken(std::optional<std::string_view>("Bearer " + std::string(5000, 'k'))),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace datamesh::gateway::public_grpc
