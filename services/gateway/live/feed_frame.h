// What the live feed (GET /api/v1/ws) sends, and to whom: the mapping from a NATS event envelope
// (datamesh.events.v1.Event) to docs/API.md's WebSocket frame
// `{"type": "...", "time": "...", "data": {...}}`, and the per-viewer visibility rule.
//
// `data` is the payload message's canonical proto3 JSON (lowerCamelCase names, zero values
// printed), `time` the envelope's time in RFC 3339 (UTC).
//
// Visibility: file events reach only the user named by the envelope's subject_user; governance
// events reach every user; monitoring and system (storage network) events reach admins only.
// Admins do not see other users' file events.
//
// Thread safety: all functions are thread-safe and keep no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datamesh/events/v1/event.pb.h"

namespace datamesh::gateway::live {

enum class Audience {
  kOwner,     // the user in the envelope's subject_user
  kEveryone,  // every authenticated user
  kAdmins,    // users whose role is admin
};

// One event, ready to send: the frame text is built once and shared by every session.
struct FeedFrame {
  std::string type;  // the WebSocket type, e.g. "file:upload:complete"
  Audience audience = Audience::kAdmins;
  std::string owner;  // subject_user; set for kOwner
  std::string text;   // the whole JSON frame
};

// Who is watching a session.
struct Viewer {
  std::string user_id;
  bool admin = false;
};

// The Event.type values the feed relays, one NATS subject each (bus::SubjectFor).
const std::vector<std::string>& RelayedEventTypes();

// The frame for `event`. nullopt when the feed does not relay the event: a type it does not
// relay, a payload that does not match the type, or a file event without a subject_user (it
// could not be addressed to anyone).
std::optional<FeedFrame> ToFeedFrame(const events::v1::Event& event);

// Whether `viewer` may receive `frame`.
bool Visible(const FeedFrame& frame, const Viewer& viewer);

}  // namespace datamesh::gateway::live
