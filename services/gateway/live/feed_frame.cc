#include "services/gateway/live/feed_frame.h"

#include <google/protobuf/util/time_util.h>

#include <array>

#include "absl/strings/str_cat.h"
#include "services/gateway/routes/json_body.h"

namespace datamesh::gateway::live {
namespace {

using events::v1::Event;

// One relayed event type. The envelope's type and its payload case must agree: a publisher bug
// that puts one payload under another type's subject is dropped rather than guessed at.
struct Relay {
  std::string_view event_type;
  Event::PayloadCase payload;
  std::string_view ws_type;
  Audience audience;
};

constexpr std::array<Relay, 12> kRelays = {{
    {"upload.progress", Event::kUploadProgress, "file:upload:progress", Audience::kOwner},
    {"download.progress", Event::kDownloadProgress, "file:download:progress", Audience::kOwner},
    {"file.stored", Event::kFileStored, "file:upload:complete", Audience::kOwner},
    {"governance.proposal.created", Event::kProposalCreated, "governance:proposal:created",
     Audience::kEveryone},
    {"governance.vote.cast", Event::kVoteCast, "governance:vote:cast", Audience::kEveryone},
    {"governance.proposal.executed", Event::kProposalExecuted, "governance:proposal:executed",
     Audience::kEveryone},
    {"alert.triggered", Event::kAlertTriggered, "monitoring:alert:triggered", Audience::kAdmins},
    {"metrics.update", Event::kMetricsUpdate, "monitoring:metrics:update", Audience::kAdmins},
    {"health.status", Event::kHealthStatus, "monitoring:health:status", Audience::kAdmins},
    {"node.up", Event::kNodeUp, "system:peer:connected", Audience::kAdmins},
    {"node.down", Event::kNodeDown, "system:peer:disconnected", Audience::kAdmins},
    {"network.status", Event::kNetworkStatus, "system:network:status", Audience::kAdmins},
}};

const google::protobuf::Message& Payload(const Event& event) {
  const google::protobuf::OneofDescriptor* oneof = Event::descriptor()->FindOneofByName("payload");
  const google::protobuf::FieldDescriptor* field =
      event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return event.GetReflection()->GetMessage(event, field);
}

// A JSON string literal for text we produce ourselves (ASCII type names and RFC 3339 times);
// escaping is still done so a surprise can never break the frame.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

}  // namespace

const std::vector<std::string>& RelayedEventTypes() {
  static const std::vector<std::string>* const kTypes = [] {
    auto* types = new std::vector<std::string>();
    for (const Relay& r : kRelays) types->emplace_back(r.event_type);
    return types;
  }();
  return *kTypes;
}

std::optional<FeedFrame> ToFeedFrame(const Event& event) {
  const Relay* relay = nullptr;
  for (const Relay& r : kRelays) {
    if (r.event_type == event.type()) relay = &r;
  }
  if (relay == nullptr || event.payload_case() != relay->payload) return std::nullopt;
  if (relay->audience == Audience::kOwner && event.subject_user().empty()) return std::nullopt;
  // A stored part of an S3 multipart upload is not a file yet: its Complete announces the file.
  if (event.has_file_stored() && event.file_stored().multipart_part()) return std::nullopt;
  FeedFrame frame;
  frame.type = std::string(relay->ws_type);
  frame.audience = relay->audience;
  if (relay->audience == Audience::kOwner) frame.owner = event.subject_user();
  const std::string time = google::protobuf::util::TimeUtil::ToString(event.time());
  frame.text = absl::StrCat("{\"type\":", JsonString(frame.type), ",\"time\":", JsonString(time),
                            ",\"data\":", PrintJson(Payload(event)), "}");
  return frame;
}

bool Visible(const FeedFrame& frame, const Viewer& viewer) {
  switch (frame.audience) {
    case Audience::kOwner: return !viewer.user_id.empty() && frame.owner == viewer.user_id;
    case Audience::kEveryone: return true;
    case Audience::kAdmins: return viewer.admin;
  }
  return false;
}

}  // namespace datamesh::gateway::live
