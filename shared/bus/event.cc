#include "shared/bus/event.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace datamesh::bus {
namespace {

// getrandom(2) only blocks before the kernel's pool is initialised at boot, and may return
// fewer bytes or EINTR when interrupted; loop until the buffer is full.
void FillRandom(uint8_t* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    ssize_t n = getrandom(out + filled, size - filled, 0);
    if (n > 0) {
      filled += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      // Without randomness ids could collide and idempotent consumers would drop real events:
      // a broken invariant, not an expected failure.
      std::abort();
    }
  }
}

}  // namespace

std::string SubjectFor(std::string_view event_type) {
  std::string subject;
  subject.reserve(kSubjectPrefix.size() + event_type.size());
  subject.append(kSubjectPrefix);
  subject.append(event_type);
  return subject;
}

absl::Status ValidateEventType(std::string_view event_type) {
  if (event_type.empty()) return absl::InvalidArgumentError("event type is empty");
  bool token_empty = true;
  for (char c : event_type) {
    if (c == '.') {
      if (token_empty) break;
      token_empty = true;
      continue;
    }
    if (c == '*' || c == '>' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("event type '", absl::string_view(event_type.data(), event_type.size()),
                       "' contains a wildcard, space or control character"));
    }
    token_empty = false;
  }
  if (token_empty) {
    return absl::InvalidArgumentError(
        absl::StrCat("event type '", absl::string_view(event_type.data(), event_type.size()),
                     "' has an empty token"));
  }
  return absl::OkStatus();
}

std::string NewUuidV4() {
  std::array<uint8_t, 16> bytes;
  FillRandom(bytes.data(), bytes.size());
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
  return out;
}

events::v1::Event NewEvent(std::string_view type, std::string_view source) {
  events::v1::Event event;
  event.set_id(NewUuidV4());
  event.set_type(std::string(type));
  event.set_source(std::string(source));
  const int64_t nanos = absl::ToUnixNanos(absl::Now());
  event.mutable_time()->set_seconds(nanos / 1'000'000'000);
  event.mutable_time()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return event;
}

absl::Time EventTime(const events::v1::Event& event) {
  return absl::FromUnixSeconds(event.time().seconds()) + absl::Nanoseconds(event.time().nanos());
}

absl::StatusOr<events::v1::Event> ParseEvent(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("event payload too large");
  }
  events::v1::Event event;
  if (!event.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return absl::InvalidArgumentError("payload is not a datamesh.events.v1.Event");
  }
  if (event.id().empty() || event.type().empty()) {
    return absl::InvalidArgumentError("event envelope lacks an id or a type");
  }
  return event;
}

}  // namespace datamesh::bus
