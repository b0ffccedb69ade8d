#include "services/gateway/grpc/rpc_exposure.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"

namespace datamesh::gateway::public_grpc {
namespace {

// "/package.Service/Method" of every RPC the four public services define.
std::set<std::string> DefinedMethods() {
  std::set<std::string> methods;
  for (const char* name :
       {file::v1::FileService::service_full_name(), auth::v1::AuthService::service_full_name(),
        quota::v1::QuotaService::service_full_name(),
        governance::v1::GovernanceService::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.insert("/" + service->full_name() + "/" + service->method(i)->name());
    }
  }
  return methods;
}

TEST(RpcExposureTest, EveryDefinedRpcIsListedExactlyOnce) {
  std::set<std::string> listed;
  for (const RpcExposure& rpc : PublicRpcTable()) {
    EXPECT_TRUE(listed.insert(std::string(rpc.method)).second) << "listed twice: " << rpc.method;
  }
  EXPECT_EQ(listed, DefinedMethods());
}

TEST(RpcExposureTest, InternalRpcsAreNotExposed) {
  for (const char* method :
       {"/datamesh.auth.v1.AuthService/ValidateToken", "/datamesh.auth.v1.AuthService/RecordAudit",
        "/datamesh.file.v1.FileService/ListStoredFiles",
        "/datamesh.quota.v1.QuotaService/Reserve", "/datamesh.quota.v1.QuotaService/Commit",
        "/datamesh.quota.v1.QuotaService/Release", "/datamesh.quota.v1.QuotaService/CheckApiCall",
        "/datamesh.quota.v1.QuotaService/CheckBandwidth",
        "/datamesh.quota.v1.QuotaService/RecordBandwidth"}) {
    EXPECT_EQ(ExposureOf(method), Exposure::kInternal) << method;
  }
}

TEST(RpcExposureTest, RolesOfPublicRpcs) {
  EXPECT_EQ(ExposureOf("/datamesh.auth.v1.AuthService/Register"), Exposure::kAnonymous);
  EXPECT_EQ(ExposureOf("/datamesh.auth.v1.AuthService/Login"), Exposure::kAnonymous);
  EXPECT_EQ(ExposureOf("/datamesh.auth.v1.AuthService/Logout"), Exposure::kUser);
  EXPECT_EQ(ExposureOf("/datamesh.file.v1.FileService/Upload"), Exposure::kUser);
  EXPECT_EQ(ExposureOf("/datamesh.file.v1.FileService/Download"), Exposure::kUser);
  EXPECT_EQ(ExposureOf("/datamesh.auth.v1.AuthService/ListUsers"), Exposure::kAdmin);
  EXPECT_EQ(ExposureOf("/datamesh.file.v1.FileService/RunMaintenance"), Exposure::kAdmin);
  EXPECT_EQ(ExposureOf("/datamesh.file.v1.FileService/GetUsageSummary"), Exposure::kAdmin);
  EXPECT_EQ(ExposureOf("/datamesh.quota.v1.QuotaService/UpdateTier"), Exposure::kAdmin);
  EXPECT_EQ(ExposureOf("/datamesh.auth.v1.AuthService/ResetPassword"), Exposure::kAnonymous);
  EXPECT_EQ(ExposureOf("/datamesh.auth.v1.AuthService/CreateRecoveryCode"), Exposure::kUser);
  // Only Register, Login and ResetPassword (proven by the recovery code) go without a token.
  int anonymous = 0;
  for (const RpcExposure& rpc : PublicRpcTable()) anonymous += rpc.exposure == Exposure::kAnonymous;
  EXPECT_EQ(anonymous, 3);
}

TEST(RpcExposureTest, UnlistedMethodsAreUnknown) {
  EXPECT_FALSE(ExposureOf("/datamesh.monitoring.v1.MonitoringService/GetAlerts").has_value());
  EXPECT_FALSE(ExposureOf("/datamesh.file.v1.FileService/stat").has_value());
  EXPECT_FALSE(ExposureOf("").has_value());
}

}  // namespace
}  // namespace datamesh::gateway::public_grpc
