// Fuzz target: an event envelope as received from NATS (shared/bus/event.h: ParseEvent), its
// type as a subject (ValidateEventType, SubjectFor) and its time (EventTime).
//
// Input (binary): the message payload, normally a serialized datamesh.events.v1.Event.
//
// Invariants: an accepted envelope has an id and a type, and serialized again it parses to an
// equal envelope; refusals are INVALID_ARGUMENT; a type is valid exactly when it is dot-separated
// non-empty tokens without spaces, controls or the wildcards '*' and '>'; its subject is
// "dm.v1." followed by it.
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "shared/bus/event.h"

namespace {

bool IsSubjectToken(std::string_view token) {
  if (token.empty()) return false;
  for (char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '*' || c == '>') return false;
  }
  return true;
}

bool IsValidType(std::string_view type) {
  while (true) {
    const size_t dot = type.find('.');
    if (!IsSubjectToken(type.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    type.remove_prefix(dot + 1);
  }
}

void CheckType(std::string_view type) {
  const absl::Status valid = datamesh::bus::ValidateEventType(type);
  FUZZ_CHECK(valid.ok() == IsValidType(type));
  if (!valid.ok()) FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(datamesh::bus::SubjectFor(type) == "dm.v1." + std::string(type));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload = datamesh::fuzz::AsText(data, size);
  // The type check also sees raw bytes, as a publisher's misspelt type would be.
  CheckType(payload.substr(0, 256));

  absl::StatusOr<datamesh::events::v1::Event> event = datamesh::bus::ParseEvent(payload);
  if (!event.ok()) {
    FUZZ_CHECK(event.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(!event->id().empty() && !event->type().empty());
  CheckType(event->type());
  (void)datamesh::bus::EventTime(*event);

  absl::StatusOr<datamesh::events::v1::Event> again =
      datamesh::bus::ParseEvent(event->SerializeAsString());
  FUZZ_CHECK(again.ok());
  // Payloads carry doubles (alert values, metric samples); a NaN sent is a NaN received.
  google::protobuf::util::DefaultFieldComparator doubles;
  doubles.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&doubles);
  FUZZ_CHECK(differencer.Compare(*again, *event));
  return 0;
}
