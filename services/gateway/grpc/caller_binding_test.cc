#include "services/gateway/grpc/caller_binding.h"

#include <gtest/gtest.h>

namespace datamesh::gateway::public_grpc {
namespace {

namespace fv1 = file::v1;

Caller Alice(std::string role = "user") {
  Caller c;
  c.user_id = "alice-id";
  c.role = std::move(role);
  c.tier = "premium";
  c.public_key = std::string(32, 'P');
  c.private_key = std::string(32, 'S');
  c.key_version = 3;
  return c;
}

TEST(CallerBindingTest, UploadHeaderIdentityIsTheCallersWhateverTheClientSent) {
  fv1::UploadHeader h;
  h.set_owner_id("mallory-id");
  h.set_owner_public_key("mallory-key");
  h.set_owner_key_version(99);
  h.set_owner_tier("enterprise");
  h.set_reservation_id("someone-elses-reservation");
  h.set_name("report.pdf");
  (*h.mutable_tags())["k"] = "v";
  h.set_declared_size(1234);
  h.set_client_encrypted(true);
  h.set_upload_id("up-1");
  BindToCaller(Alice(), h);
  EXPECT_EQ(h.owner_id(), "alice-id");
  EXPECT_EQ(h.owner_public_key(), std::string(32, 'P'));
  EXPECT_EQ(h.owner_key_version(), 3u);
  EXPECT_EQ(h.owner_tier(), "premium");
  EXPECT_TRUE(h.reservation_id().empty());
  // The client's own choices stay.
  EXPECT_EQ(h.name(), "report.pdf");
  EXPECT_EQ(h.tags().at("k"), "v");
  EXPECT_EQ(h.declared_size(), 1234u);
  EXPECT_TRUE(h.client_encrypted());
  EXPECT_EQ(h.upload_id(), "up-1");
}

TEST(CallerBindingTest, DownloadUsesTheCallersOwnerAndKey) {
  fv1::DownloadRequest r;
  r.set_file_id("f1");
  r.set_owner_id("mallory-id");
  r.set_private_key("guess");
  r.set_offset(7);
  BindToCaller(Alice(), r);
  EXPECT_EQ(r.owner_id(), "alice-id");
  EXPECT_EQ(r.private_key(), std::string(32, 'S'));
  EXPECT_EQ(r.file_id(), "f1");
  EXPECT_EQ(r.offset(), 7u);
}

TEST(CallerBindingTest, FileRequestsNameTheCallerAsOwner) {
  fv1::StatRequest stat;
  stat.set_owner_id("x");
  fv1::ListRequest list;
  list.set_owner_id("x");
  fv1::UpdateMetadataRequest update;
  update.set_owner_id("x");
  fv1::GetHealthRequest health;
  health.set_owner_id("x");
  fv1::DeleteRequest del;
  del.set_owner_id("x");
  del.set_actor_id("x");
  const Caller alice = Alice();
  BindToCaller(alice, stat);
  BindToCaller(alice, list);
  BindToCaller(alice, update);
  BindToCaller(alice, health);
  BindToCaller(alice, del);
  EXPECT_EQ(stat.owner_id(), "alice-id");
  EXPECT_EQ(list.owner_id(), "alice-id");
  EXPECT_EQ(update.owner_id(), "alice-id");
  EXPECT_EQ(health.owner_id(), "alice-id");
  EXPECT_EQ(del.owner_id(), "alice-id");
  EXPECT_EQ(del.actor_id(), "alice-id");
}

TEST(CallerBindingTest, AccountRequestsActForTheCaller) {
  auth::v1::CreateApiKeyRequest key;
  key.set_user_id("x");
  auth::v1::ChangePasswordRequest password;
  password.set_user_id("x");
  auth::v1::UpdateUserRequest update;
  update.set_actor_id("x");
  update.set_user_id("target");
  const Caller alice = Alice("admin");
  BindToCaller(alice, key);
  BindToCaller(alice, password);
  BindToCaller(alice, update);
  EXPECT_EQ(key.user_id(), "alice-id");
  EXPECT_EQ(password.user_id(), "alice-id");
  EXPECT_EQ(update.actor_id(), "alice-id");
  EXPECT_EQ(update.user_id(), "target");  // an admin names whom to change
}

TEST(CallerBindingTest, LimitsUseTheCallersTier) {
  quota::v1::GetLimitsRequest r;
  r.set_user_id("x");
  r.set_tier("enterprise");
  BindToCaller(Alice(), r);
  EXPECT_EQ(r.user_id(), "alice-id");
  EXPECT_EQ(r.tier(), "premium");
}

TEST(CallerBindingTest, BillingRecordsOfOthersForAdminsOnly) {
  quota::v1::ListBillingRecordsRequest user_req;
  user_req.set_user_id("bob-id");
  BindToCaller(Alice(), user_req);
  EXPECT_EQ(user_req.user_id(), "alice-id");
  quota::v1::ListBillingRecordsRequest all;  // empty: every user's
  BindToCaller(Alice(), all);
  EXPECT_EQ(all.user_id(), "alice-id");
  quota::v1::ListBillingRecordsRequest admin_req;
  admin_req.set_user_id("bob-id");
  BindToCaller(Alice("admin"), admin_req);
  EXPECT_EQ(admin_req.user_id(), "bob-id");
}

}  // namespace
}  // namespace datamesh::gateway::public_grpc
