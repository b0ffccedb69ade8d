// dm-node-sign (tools/node-sign) run as an operator would: its proof verifies for the account
// it was made for and no other, and the node keeps one key across runs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "services/governance/operators/node_proof.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

namespace datamesh::governance::operators {
namespace {

using ::datamesh::testing::StatusIs;

class NodeSignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dm-node-sign-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    node_id_ = crypto::HexEncode(*crypto::RandomBytes(32));
    std::ofstream(dir_ + "/node_id") << node_id_ << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<NodeProof> Sign(const std::string& challenge, const std::string& account) {
    absl::StatusOr<std::string> out =
        testing::RunCommand(testing::TestStack::BinaryDir() + "/bin/dm-node-sign --data-dir '" +
                            dir_ + "' --challenge " + challenge + " --account '" + account + "'");
    if (!out.ok()) return out.status();
    std::smatch m;
    static const std::regex kProof(
        R"re(\{"nodeId":"([0-9a-f]+)","publicKey":"([0-9a-f]+)","signature":"([0-9a-f]+)"\})re");
    if (!std::regex_search(*out, m, kProof)) return absl::InternalError("no proof in: " + *out);
    return NodeProof{m[1], m[2], m[3]};
  }

  std::string dir_, node_id_;
};

TEST_F(NodeSignTest, MakesAProofThatVerifiesForItsAccountOnly) {
  const std::string challenge = crypto::HexEncode(*crypto::RandomBytes(32));
  auto proof = Sign(challenge, "alice");
  ASSERT_OK(proof);
  EXPECT_EQ(proof->node_id, node_id_);
  EXPECT_OK(VerifyNodeProof(*proof, challenge, "alice"));
  EXPECT_THAT(VerifyNodeProof(*proof, challenge, "mallory"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const std::string other = crypto::HexEncode(*crypto::RandomBytes(32));
  EXPECT_THAT(VerifyNodeProof(*proof, other, "alice"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The key is created once, private to its owner, and reused.
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/node_key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = Sign(other, "alice");
  ASSERT_OK(again);
  EXPECT_EQ(again->public_key, proof->public_key);
  EXPECT_OK(VerifyNodeProof(*again, other, "alice"));
}

TEST_F(NodeSignTest, RefusesAMalformedChallengeOrAFolderWithoutANode) {
  EXPECT_FALSE(Sign("abc", "alice").ok());
  std::filesystem::remove(dir_ + "/node_id");
  EXPECT_FALSE(Sign(crypto::HexEncode(*crypto::RandomBytes(32)), "alice").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/node_key"));
}

}  // namespace
}  // namespace datamesh::governance::operators
