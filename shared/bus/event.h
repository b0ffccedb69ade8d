// Event envelope helpers: subjects, fresh envelopes, ids and decoding.
//
// Every DataMesh event travels in one envelope, datamesh.events.v1.Event, on the NATS subject
// "dm.v1.<type>" (ARCHITECTURE.md §2). These helpers keep the naming rule and the envelope
// invariants (a UUIDv4 id, a type, a source and a time) in one place.
//
// Thread safety: every function here is thread-safe; none keeps state.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"

namespace datamesh::bus {

// The prefix of every DataMesh subject: versioned so a future envelope can live beside it.
inline constexpr std::string_view kSubjectPrefix = "dm.v1.";

// "dm.v1." + event_type, e.g. SubjectFor("file.stored") == "dm.v1.file.stored". The type is not
// validated here; see ValidateEventType.
std::string SubjectFor(std::string_view event_type);

// OK when `event_type` can be the tail of a subject: non-empty dot-separated tokens of printable
// characters without spaces or the wildcards '*' and '>'. INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::Status ValidateEventType(std::string_view event_type);

// A random (version 4) UUID in its canonical 36-character lowercase form, drawn from the
// kernel's random source.
std::string NewUuidV4();

// A new envelope with a fresh UUIDv4 id, the given type and source ("service/instance-id") and
// the current time. The caller sets the payload (and subject_user / request_id when known).
events::v1::Event NewEvent(std::string_view type, std::string_view source);

// The envelope's time as absl::Time (the Unix epoch when unset).
absl::Time EventTime(const events::v1::Event& event);

// Decodes an envelope from the wire. INVALID_ARGUMENT when the bytes are not a protobuf Event or
// when the envelope lacks an id or a type (an empty payload parses as an empty message, so
// parsing alone does not reject garbage).
absl::StatusOr<events::v1::Event> ParseEvent(std::string_view data);

}  // namespace datamesh::bus
