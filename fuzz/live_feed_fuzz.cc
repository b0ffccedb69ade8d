// Fuzz target: what the live feed (GET /api/v1/ws) makes of an event it receives from NATS -
// the envelope decoded (shared/bus/event.h), turned into a WebSocket frame and filtered per
// viewer (services/gateway/live/feed_frame.h). The feed reads nothing from its clients but the
// credential of the upgrade request (bearer_token_fuzz.cc covers it); client frames are
// discarded by the WebSocket layer.
//
// Input (binary): a serialized datamesh.events.v1.Event, as published on the bus.
//
// Invariants: a frame is one JSON object, valid UTF-8, whose "type" is the frame's type and
// whose "data" is an object; only relayed types become frames; a file event is addressed to its
// subject user and reaches no one else, an admin event only admins.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "services/gateway/live/feed_frame.h"
#include "shared/bus/event.h"
#include "shared/text/utf8.h"

namespace {

namespace live = datamesh::gateway::live;

bool IsRelayed(const std::string& type) {
  for (const std::string& relayed : live::RelayedEventTypes()) {
    if (relayed == type) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<datamesh::events::v1::Event> event =
      datamesh::bus::ParseEvent(datamesh::fuzz::AsText(data, size));
  if (!event.ok()) return 0;
  const std::optional<live::FeedFrame> frame = live::ToFeedFrame(*event);
  if (!frame) return 0;

  FUZZ_CHECK(IsRelayed(event->type()));
  FUZZ_CHECK(datamesh::text::IsValidUtf8(frame->text));
  const nlohmann::json json =
      nlohmann::json::parse(frame->text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!json.is_discarded() && json.is_object());
  FUZZ_CHECK(json.contains("type") && json["type"] == frame->type);
  FUZZ_CHECK(json.contains("time") && json["time"].is_string());
  FUZZ_CHECK(json.contains("data") && json["data"].is_object());

  const live::Viewer stranger{"someone-else-" + event->subject_user(), false};
  const live::Viewer admin{"admin-" + event->subject_user(), true};
  const live::Viewer anonymous{"", true};
  switch (frame->audience) {
    case live::Audience::kOwner:
      FUZZ_CHECK(!frame->owner.empty() && frame->owner == event->subject_user());
      FUZZ_CHECK(live::Visible(*frame, {frame->owner, false}));
      FUZZ_CHECK(!live::Visible(*frame, stranger));
      FUZZ_CHECK(!live::Visible(*frame, admin));
      FUZZ_CHECK(!live::Visible(*frame, anonymous));
      break;
    case live::Audience::kEveryone: FUZZ_CHECK(live::Visible(*frame, stranger)); break;
    case live::Audience::kAdmins:
      FUZZ_CHECK(live::Visible(*frame, admin));
      FUZZ_CHECK(!live::Visible(*frame, stranger));
      break;
  }
  return 0;
}
