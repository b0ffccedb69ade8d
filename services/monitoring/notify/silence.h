// Silences and acknowledgements: what an admin says about alerts.
//
// A silence mutes the alerts its matchers select between starts_at and ends_at: they are sent
// to no receiver (they stay listed with `silenced_by`). It applies from starts_at, stops the
// moment ends_at passes (expiring one sets ends_at to now), and never changes otherwise.
//
// An acknowledgement is of one firing episode (an alert id): its re-notification and escalation
// stop until it resolves or fires anew (a new episode has a new id).
//
// Value types and pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/monitoring/notify/matcher.h"

namespace datamesh::monitoring::notify {

struct Silence {
  std::string id;
  std::vector<Matcher> matchers;
  absl::Time starts_at = absl::InfinitePast();
  absl::Time ends_at = absl::InfinitePast();
  std::string created_by;
  std::string comment;
  absl::Time created_at = absl::InfinitePast();

  bool ActiveAt(absl::Time t) const { return starts_at <= t && t < ends_at; }
  // "pending" (starts later), "active" or "expired".
  std::string_view StateAt(absl::Time t) const;
  bool Mutes(const promql::Labels& labels, absl::Time t) const {
    return ActiveAt(t) && MatchesAll(matchers, labels);
  }
};

inline constexpr size_t kMaxSilenceMatchers = 32;
inline constexpr size_t kMaxCommentBytes = 1000;
// Silences and acks are kept this long after they end (the list shows recent ones).
inline constexpr absl::Duration kNotifyRetention = absl::Hours(5 * 24);

// INVALID_ARGUMENT with the reason: no matcher, more than kMaxSilenceMatchers, only matchers
// that also match an absent label (they would mute every alert), ends_at not after starts_at or
// not in the future, no creator, an empty or over-long comment.
absl::Status CheckNewSilence(const Silence& s, absl::Time now);

struct Ack {
  std::string alert_id;
  std::string fingerprint;
  std::string by;
  absl::Time at = absl::InfinitePast();
  std::string comment;
};

}  // namespace datamesh::monitoring::notify
