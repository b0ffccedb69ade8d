#include "services/dht/dht_service.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "services/dht/dht_test_util.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::dht {
namespace {

using test_util::MakeNode;
using test_util::RandomId;

class DhtServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<NodeInfo> nodes;
    for (int i = 0; i < 9; ++i)
      nodes.push_back(MakeNode(RandomId(rng_), "z" + std::to_string(i % 3)));
    nodes[0].state = NodeState::kDown;
    down_ = nodes[0].id;
    membership_.Load(nodes, absl::Now());
  }
  std::mt19937_64 rng_{5};
  Membership membership_{RandomId(rng_)};
  AdmissionView admission_{/*enforced=*/false, /*default_share=*/1.0};
  DhtServiceImpl service_{membership_, admission_};
  grpc::ServerContext ctx_;
  NodeId down_{};
};

TEST_F(DhtServiceTest, PlaceAnswersSpreadUpNodes) {
  v1::PlaceRequest request;
  request.set_key(ToHex(RandomId(rng_)));
  request.set_n(6);
  v1::PlaceResponse response;
  ASSERT_TRUE(service_.Place(&ctx_, &request, &response).ok());
  ASSERT_EQ(response.nodes_size(), 6);
  std::map<std::string, int> zones;
  for (const auto& node : response.nodes()) {
    EXPECT_EQ(node.state(), v1::NODE_STATE_UP);
    EXPECT_TRUE(node.writable());
    EXPECT_NE(node.id(), ToHex(down_));
    ++zones[node.zone()];
  }
  EXPECT_EQ(zones.size(), 3u);
  request.set_n(9);  // only 8 up
  EXPECT_EQ(service_.Place(&ctx_, &request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(DhtServiceTest, RejectsMalformedRequests) {
  v1::PlaceRequest place;
  v1::PlaceResponse placed;
  place.set_n(1);
  place.set_key("not-hex");
  EXPECT_EQ(service_.Place(&ctx_, &place, &placed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  place.set_key(ToHex(RandomId(rng_)));
  place.set_n(0);
  EXPECT_EQ(service_.Place(&ctx_, &place, &placed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  place.set_n(65);
  EXPECT_EQ(service_.Place(&ctx_, &place, &placed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  place.set_n(1);
  place.add_exclude_node_ids("ABC");
  EXPECT_EQ(service_.Place(&ctx_, &place, &placed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::LocateRequest locate;
  v1::LocateResponse located;
  locate.set_key(ToHex(RandomId(rng_)));
  EXPECT_EQ(service_.Locate(&ctx_, &locate, &located).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListNodesRequest list;
  v1::ListNodesResponse listed;
  list.mutable_page()->set_cursor("garbage");
  EXPECT_EQ(service_.ListNodes(&ctx_, &list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  list.mutable_page()->clear_cursor();
  list.set_state(static_cast<v1::NodeState>(42));
  EXPECT_EQ(service_.ListNodes(&ctx_, &list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DhtServiceTest, LocateIncludesDownNodes) {
  v1::LocateRequest request;
  request.set_key(ToHex(down_));
  request.set_n(3);
  v1::LocateResponse response;
  ASSERT_TRUE(service_.Locate(&ctx_, &request, &response).ok());
  ASSERT_EQ(response.nodes_size(), 3);
  EXPECT_EQ(response.nodes(0).id(), ToHex(down_));  // distance 0
  EXPECT_EQ(response.nodes(0).state(), v1::NODE_STATE_DOWN);
}

TEST_F(DhtServiceTest, ListNodesPagesAndGetNodeFindsOrNot) {
  v1::ListNodesRequest request;
  request.mutable_page()->set_limit(5);
  std::set<std::string> ids;
  for (;;) {
    v1::ListNodesResponse response;
    grpc::ServerContext ctx;
    ASSERT_TRUE(service_.ListNodes(&ctx, &request, &response).ok());
    for (const auto& node : response.nodes()) ids.insert(node.id());
    if (!response.has_next_cursor()) break;
    request.mutable_page()->set_cursor(response.next_cursor());
  }
  EXPECT_EQ(ids.size(), 9u);

  v1::GetNodeRequest get;
  v1::GetNodeResponse got;
  get.set_node_id(ToHex(down_));
  ASSERT_TRUE(service_.GetNode(&ctx_, &get, &got).ok());
  EXPECT_EQ(got.node().state(), v1::NODE_STATE_DOWN);
  get.set_node_id(ToHex(RandomId(rng_)));
  EXPECT_EQ(service_.GetNode(&ctx_, &get, &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DhtServiceTest, NodesCarryGovernanceDecisionsAndOnlyAdmittedOnesArePlaced) {
  std::vector<v1::Node> up;
  {
    v1::ListNodesRequest list;
    list.set_state(v1::NODE_STATE_UP);
    v1::ListNodesResponse listed;
    ASSERT_TRUE(service_.ListNodes(&ctx_, &list, &listed).ok());
    up.assign(listed.nodes().begin(), listed.nodes().end());
  }
  ASSERT_EQ(up.size(), 8u);
  // Governance admitted the operator of six up nodes, one of them since disqualified.
  AdmissionSnapshot snapshot;
  for (int i = 0; i < 6; ++i) {
    auto id = ParseNodeId(up[i].id());
    ASSERT_OK(id);
    snapshot.nodes[*id] = {
        .operator_id = "op-1", .admitted = true, .vetted = i < 3, .disqualified = i == 5};
  }
  AdmissionView admission(/*enforced=*/true, /*default_share=*/0.05);
  admission.Replace(snapshot);
  DhtServiceImpl service(membership_, admission);

  v1::GetNodeRequest get;
  v1::GetNodeResponse got;
  get.set_node_id(up[0].id());
  ASSERT_TRUE(service.GetNode(&ctx_, &get, &got).ok());
  EXPECT_TRUE(got.node().admitted() && got.node().vetted() && got.node().writable());
  EXPECT_EQ(got.node().operator_id(), "op-1");
  get.set_node_id(up[5].id());
  ASSERT_TRUE(service.GetNode(&ctx_, &get, &got).ok());
  EXPECT_TRUE(got.node().disqualified());
  EXPECT_FALSE(got.node().writable());
  get.set_node_id(up[7].id());  // no operator claimed it
  ASSERT_TRUE(service.GetNode(&ctx_, &get, &got).ok());
  EXPECT_FALSE(got.node().admitted() || got.node().vetted() || got.node().writable());

  std::set<std::string> eligible;
  for (int i = 0; i < 5; ++i) eligible.insert(up[i].id());
  for (int k = 0; k < 50; ++k) {
    v1::PlaceRequest request;
    request.set_key(ToHex(RandomId(rng_)));
    request.set_n(5);
    v1::PlaceResponse response;
    ASSERT_TRUE(service.Place(&ctx_, &request, &response).ok());
    for (const auto& node : response.nodes()) EXPECT_TRUE(eligible.contains(node.id()));
  }
  v1::PlaceRequest six;
  six.set_key(ToHex(RandomId(rng_)));
  six.set_n(6);
  v1::PlaceResponse response;
  EXPECT_EQ(service.Place(&ctx_, &six, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace datamesh::dht
