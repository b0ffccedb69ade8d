// Fuzz target: JSON request bodies of the REST routes parsed into their protobuf messages
// (services/gateway/routes/json_body.h): register, login, API key creation, maintenance, file
// metadata, and the free-form object the metadata and admin user routes check keys on.
//
// Input (text): the request body, parsed as each of those messages in turn.
//
// Invariants: a body is accepted only if it is at most the size limit, nested no deeper than
// the depth limit and non-empty; what was accepted holds only valid UTF-8 (its binary form
// parses back, which proto3 refuses otherwise) and prints to JSON that parses back to the same
// message; every refusal is INVALID_ARGUMENT, or 413 for a body over the limit.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datamesh/auth/v1/auth.pb.h"
#include "datamesh/file/v1/file.pb.h"
#include "fuzz/fuzz_support.h"
#include "services/gateway/http/request.h"
#include "services/gateway/routes/json_body.h"

namespace {

namespace gw = datamesh::gateway;
namespace pb = google::protobuf;

// The body as a client's upload would arrive: in pieces of up to 7 bytes.
class SmallPieceBody : public gw::http::BodyReader {
 public:
  explicit SmallPieceBody(std::string_view body) : body_(body) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    const size_t n = std::min({size, body_.size(), size_t{7}});
    if (n == 0) done_ = true;
    std::memcpy(buffer, body_.data(), n);
    body_.remove_prefix(n);
    return n;
  }
  bool done() const override { return done_; }

 private:
  std::string_view body_;
  bool done_ = false;
};

std::vector<std::unique_ptr<pb::Message>> BodyMessages() {
  std::vector<std::unique_ptr<pb::Message>> out;
  out.push_back(std::make_unique<datamesh::auth::v1::RegisterRequest>());
  out.push_back(std::make_unique<datamesh::auth::v1::LoginRequest>());
  out.push_back(std::make_unique<datamesh::auth::v1::CreateApiKeyRequest>());
  out.push_back(std::make_unique<datamesh::file::v1::RunMaintenanceRequest>());
  out.push_back(std::make_unique<datamesh::file::v1::UpdateMetadataRequest>());
  out.push_back(std::make_unique<pb::Struct>());
  return out;
}

void CheckAccepted(std::string_view body, const gw::JsonLimits& limits, const pb::Message& msg) {
  FUZZ_CHECK(!body.empty() && body.size() <= limits.max_bytes);
  const int depth = gw::JsonDepth(body);
  FUZZ_CHECK(depth >= 0 && depth <= limits.max_depth);

  std::unique_ptr<pb::Message> copy(msg.New());
  FUZZ_CHECK(copy->ParseFromString(msg.SerializeAsString()));
  FUZZ_CHECK(pb::util::MessageDifferencer::Equals(*copy, msg));

  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string printed;
  // A message the printer refuses (e.g. a field mask path with no JSON spelling) is only
  // ever read, never sent back: nothing to compare then.
  if (!pb::util::MessageToJsonString(msg, &printed, options).ok()) return;
  std::unique_ptr<pb::Message> reparsed(msg.New());
  const gw::JsonLimits unlimited{.max_bytes = printed.size() + 1, .max_depth = 1000};
  FUZZ_CHECK(gw::ParseJson(printed, unlimited, reparsed.get()).ok());
  pb::util::MessageDifferencer differencer;
  // A field mask's JSON spelling is lowerCamelCase, which not every path survives ("_x"); the
  // metadata route refuses a client's updateMask before parsing and builds the mask itself.
  if (const pb::FieldDescriptor* mask = msg.GetDescriptor()->FindFieldByName("update_mask")) {
    differencer.IgnoreField(mask);
  }
  FUZZ_CHECK(differencer.Compare(*reparsed, msg));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = datamesh::fuzz::AsText(data, size);
  const gw::JsonLimits limits;  // the gateway's defaults
  static const std::vector<std::unique_ptr<pb::Message>>* const kMessages =
      new std::vector<std::unique_ptr<pb::Message>>(BodyMessages());
  for (const std::unique_ptr<pb::Message>& prototype : *kMessages) {
    std::unique_ptr<pb::Message> msg(prototype->New());
    SmallPieceBody reader(body);
    const absl::Status status = gw::ParseJsonBody(reader, limits, msg.get());
    if (status.ok()) {
      CheckAccepted(body, limits, *msg);
    } else if (body.size() > limits.max_bytes) {
      FUZZ_CHECK(status.code() == absl::StatusCode::kResourceExhausted);
    } else {
      FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    }
  }
  return 0;
}
