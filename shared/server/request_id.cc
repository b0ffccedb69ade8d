#include "shared/server/request_id.h"

#include <string>

#include "shared/log/log.h"

namespace datamesh::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

std::string RequestIdFrom(const std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
  if (metadata == nullptr) return {};
  auto it = metadata->find(kRequestIdMetadata);
  if (it == metadata->end()) return {};
  const std::string_view id(it->second.data(), it->second.size());
  return IsUsableRequestId(id) ? std::string(id) : std::string();
}

class RequestIdInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestIdInterceptor(std::string method) : method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      log::Debug("rpc", {{"method", method_},
                         {"code", static_cast<int>(methods->GetSendStatus().error_code())}});
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::string id = RequestIdFrom(methods->GetRecvInitialMetadata());
      if (!id.empty()) {
        // The synchronous server runs the rest of the chain and then the handler inside this
        // Proceed(), so the scope covers the whole call on this thread.
        log::ScopedRequestId scope(std::move(id));
        methods->Proceed();
        return;
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
};

class RequestIdFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestIdInterceptor(info->method());
  }
};

}  // namespace

bool IsUsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRequestIdInterceptor() {
  return std::make_unique<RequestIdFactory>();
}

}  // namespace datamesh::server
